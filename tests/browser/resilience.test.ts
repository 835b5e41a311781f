import type { Browser, Request, Route } from "playwright-core";
import { describe, expect, it } from "vitest";
import {
	baseURL,
	expectSameOrigin,
	expectStats,
	getJson,
	me,
	open,
	plus,
	settledStats,
	shot,
	stored,
	withBrowser,
} from "./helpers";

let browser: Browser;
let year: number;
withBrowser((launched, current) => {
	browser = launched;
	year = current;
});

const ACTIONS = "**/api/v1/ceremonies/*/actions";

/** The type and Idempotency-Key of an action request. */
function describeAction(req: Request) {
	return { type: (req.postDataJSON() as { type: string }).type, key: req.headers()["idempotency-key"] ?? "" };
}

async function begin(page: import("playwright-core").Page) {
	await page.goto(`${baseURL()}/`);
	await page.click("#start");
	await page.waitForSelector("#name");
	await page.click("form.profile-form button[type=submit]");
	await page.waitForSelector("#act");
}

describe("resilience", () => {
	it("keeps a tap on the first view's button made while the ceremony is still loading, and acts on it once ready", async () => {
		const { context, page } = await open(browser, { locale: "zh-CN", reducedMotion: "reduce" });
		// The first view is in the HTML; its script waits for the ceremony, held back here as on a slow network.
		let release: () => void = () => {};
		const held = new Promise<void>((resolve) => {
			release = resolve;
		});
		await page.route("**/api/v1/ceremonies/current", async (route) => {
			await held;
			await route.continue();
		});
		await page.goto(`${baseURL()}/`);
		expect(await page.evaluate(() => document.documentElement.classList.contains("ready"))).toBe(false);
		await page.click("#start");
		release();
		await page.waitForSelector("#name", { timeout: 10_000 });
		await context.close();
	});

	it("keeps the participant's progress and certificate across reloads", async () => {
		const before = await settledStats(year);
		const { context, page, requests } = await open(browser, { locale: "zh-CN", reducedMotion: "reduce" });
		await begin(page);

		await page.click("#act"); // flower
		await page.waitForSelector("#next:not([hidden])");
		const afterFlower = await stored(page, year);
		expect(afterFlower.actions.flower?.status).toBe("done");

		await page.reload();
		// Still on the flower step, shown as done, with the way on.
		await page.waitForSelector("#next:not([hidden])");
		expect(await page.locator("#progress li.done").count()).toBe(2); // name and flower
		expect((await stored(page, year)).participantId).toBe(afterFlower.participantId);
		await shot(page, "participant-reload-01-after-flower");

		await page.click("#next");
		for (let i = 0; i < 2; i++) {
			await page.click("#act");
			await page.waitForSelector("#next:not([hidden])");
			await page.click("#next");
		}
		await page.locator(".preset").first().click();
		await page.click("#act");
		await page.waitForSelector("#next:not([hidden])");
		await page.click("#next");
		await page.waitForSelector("#cert-number");
		const number = await page.textContent("#cert-number");

		await page.reload();
		await page.waitForSelector("#cert-number");
		expect(await page.textContent("#cert-number")).toBe(number);
		expect(await page.locator("#progress li.done").count()).toBe(6);
		await shot(page, "participant-reload-02-certificate");

		// A new visit (a tab opened later) shows the certificate too.
		const again = await context.newPage();
		await again.goto(`${baseURL()}/`);
		await again.waitForSelector("#cert-number");
		expect(await again.textContent("#cert-number")).toBe(number);

		const s = await stored(page, year);
		expect((await me(year, s.token ?? "")).actions).toEqual({ flower: 1, incense: 1, bow: 1, blessing: 1 });
		await expectStats(year, plus(before, { participants: 1, flower: 1, incense: 1, bow: 1, blessing: 1 }));
		expectSameOrigin(requests);
		await context.close();
	});

	it("takes an offering the service already counted (409) as done, with its certificate", async () => {
		const { context, page, requests } = await open(browser, { locale: "en-US", reducedMotion: "reduce" });
		await begin(page);
		const { token } = await stored(page, year);
		// The same participant offered the flower basket elsewhere (another tab or device).
		const elsewhere = await getJson<{ certificate: { number: number } }>(`/api/v1/ceremonies/${year}/actions`, {
			method: "POST",
			headers: {
				"Content-Type": "application/json",
				Authorization: `Bearer ${token}`,
				"Idempotency-Key": crypto.randomUUID(),
			},
			body: JSON.stringify({ type: "flower" }),
		});
		expect(elsewhere.status).toBe(201);
		const answer = page.waitForResponse((r) => r.url().endsWith("/actions"));
		await page.click("#act");
		expect((await answer).status()).toBe(409);
		await page.waitForSelector("#next:not([hidden])");
		const s = await stored(page, year);
		expect(s.actions.flower?.status).toBe("done");
		expect(s.certificate?.number).toBe(elsewhere.body.certificate.number);
		expect((await me(year, token ?? "")).actions.flower).toBe(1);
		expectSameOrigin(requests);
		await context.close();
	});

	it("retries an offering that failed on the network or got 503 with the same Idempotency-Key, counting it once", async () => {
		const before = await settledStats(year);
		const { context, page, requests } = await open(browser, { locale: "zh-CN", reducedMotion: "reduce" });
		const seen: { type: string; key: string; at: number }[] = [];
		const failed = new Set<string>();

		await page.route(ACTIONS, async (route: Route) => {
			const a = describeAction(route.request());
			seen.push({ ...a, at: Date.now() });
			if (failed.has(a.type)) return route.continue();
			failed.add(a.type);
			if (a.type === "flower") {
				// Lost before it reached the service.
				return route.abort("internetdisconnected");
			}
			if (a.type === "incense") {
				// Reached the service and was counted, but the answer was lost on the way back.
				const res = await route.fetch();
				expect(res.status()).toBe(201);
				return route.abort("connectionreset");
			}
			if (a.type === "bow") {
				return route.fulfill({
					status: 503,
					headers: { "Content-Type": "application/problem+json", "Retry-After": "1" },
					body: JSON.stringify({ type: "/problems/overloaded", title: "Overloaded", status: 503 }),
				});
			}
			return route.continue();
		});

		await begin(page);
		for (const type of ["flower", "incense", "bow"]) {
			await page.click("#act");
			if (type === "flower") {
				// The participant sees that it is pending and being retried.
				await page.waitForSelector(".status.pending");
				expect(await page.locator("#progress li.pending").count()).toBe(1);
				await shot(page, "participant-retry-01-pending");
			}
			await page.waitForSelector("#next:not([hidden])", { timeout: 30_000 });
			const tries = seen.filter((s) => s.type === type);
			expect(tries.length, `${type} attempts`).toBe(2);
			expect(tries[1]?.key).toBe(tries[0]?.key);
			expect(tries[0]?.key).toMatch(/^[0-9a-f-]{36}$/);
			if (type === "bow") expect((tries[1]?.at ?? 0) - (tries[0]?.at ?? 0)).toBeGreaterThanOrEqual(900); // Retry-After: 1
			await page.click("#next");
		}
		await shot(page, "participant-retry-02-blessing");

		// The blessing is sent while offline; the page is closed and opened again: it resumes with the same key.
		await page.unroute(ACTIONS);
		await context.setOffline(true);
		await page.fill("#blessing", "网络中断后重试的祝福");
		await page.click("#act");
		await page.waitForSelector(".status.pending");
		const pending = (await stored(page, year)).actions.blessing;
		expect(pending?.status).toBe("pending");
		await shot(page, "participant-retry-03-offline");
		await page.close();

		await context.setOffline(false);
		const resumed = await context.newPage();
		const resent: string[] = [];
		resumed.on("request", (r) => {
			requests.push(r.url());
			if (r.url().endsWith("/actions")) resent.push(r.headers()["idempotency-key"] ?? "");
		});
		await resumed.goto(`${baseURL()}/`);
		await resumed.waitForFunction(
			(y) => JSON.parse(localStorage.getItem(`baizu:v1:${y}`) ?? "{}").actions?.blessing?.status === "done",
			year,
		);
		expect(resent).toEqual([pending?.key]);

		const s = await stored(resumed, year);
		expect((await me(year, s.token ?? "")).actions).toEqual({ flower: 1, incense: 1, bow: 1, blessing: 1 });
		await expectStats(year, plus(before, { participants: 1, flower: 1, incense: 1, bow: 1, blessing: 1 }));
		expectSameOrigin(requests);
		await context.close();
	});
});
