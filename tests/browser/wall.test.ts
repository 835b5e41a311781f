import type { Browser } from "playwright-core";
import { describe, expect, it } from "vitest";
import {
	baseURL,
	committeeToken,
	expectAccessible,
	expectSameOrigin,
	getJson,
	open,
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

type Wall = { items: { id: string; text: { "zh-Hans": string; "zh-Hant": string } }[] };

/** A blessing sent through the API by another participant, once it is on the wall. */
async function blessingOnTheWall(text: string): Promise<string> {
	const p = await getJson<{ token: string }>("/api/v1/participants", {
		method: "POST",
		headers: { "Content-Type": "application/json" },
		body: JSON.stringify({ locale: "zh-Hans" }),
	});
	expect(p.status).toBe(201);
	const sent = await getJson(`/api/v1/ceremonies/${year}/actions`, {
		method: "POST",
		headers: {
			"Content-Type": "application/json",
			Authorization: `Bearer ${p.body.token}`,
			"Idempotency-Key": crypto.randomUUID(),
		},
		body: JSON.stringify({ type: "blessing", message: text }),
	});
	expect(sent.status).toBe(201);
	const deadline = Date.now() + 20_000;
	while (Date.now() < deadline) {
		const wall = await getJson<Wall>(`/api/v1/ceremonies/${year}/blessings?limit=20`);
		const found = wall.body.items.find((b) => b.text["zh-Hans"].includes(text.slice(-6)));
		if (found) return found.id;
		await new Promise((r) => setTimeout(r, 500));
	}
	throw new Error("the blessing did not reach the wall");
}

describe("the blessing wall", () => {
	it("reports a blessing once per participant; the button shows it and a repeat is idempotent", async () => {
		const code = String(Math.floor(100000 + Math.random() * 900000));
		const id = await blessingOnTheWall(`愿华夏儿女团圆安康 ${code}`);

		const { context, page, requests } = await open(browser, { locale: "zh-CN", bypassCSP: true });
		const reports: number[] = [];
		page.on("response", (r) => {
			if (r.url().endsWith(`/blessings/${id}/reports`)) reports.push(r.status());
		});
		await page.goto(`${baseURL()}/`);
		await page.locator("#wall").scrollIntoViewIfNeeded();
		const item = page.locator("#wall-list li.blessing", { hasText: code });
		await item.waitFor();
		// Shown in the reader's script.
		expect(await item.locator(".blessing-text").textContent()).toContain("团圆");
		await expectAccessible(page, "wall");

		await item.locator(".report-button").click();
		await item.locator(".report-confirm").waitFor();
		await shot(page, "participant-wall-01-report-confirm");
		await expectAccessible(page, "wall report confirmation");
		await item.locator(".report-confirm").click();
		await item.locator(".report-button.is-reported").waitFor();
		expect(await item.locator(".report-button").isDisabled()).toBe(true);
		expect(await item.locator(".report-button").textContent()).toBe("已举报");
		expect(reports).toEqual([201]);
		await shot(page, "participant-wall-02-reported");

		// The state survives a reload.
		await page.reload();
		await page.locator("#wall-list li.blessing", { hasText: code }).locator(".report-button.is-reported").waitFor();

		// Forgetting it locally and reporting again: the service answers 200 and counts it once.
		await page.evaluate((y) => {
			const k = `baizu:v1:${y}`;
			const s = JSON.parse(localStorage.getItem(k) ?? "{}");
			s.reported = [];
			localStorage.setItem(k, JSON.stringify(s));
		}, year);
		await page.reload();
		const again = page.locator("#wall-list li.blessing", { hasText: code });
		await again.locator(".report-button:not(.is-reported)").click();
		await again.locator(".report-confirm").click();
		await again.locator(".report-button.is-reported").waitFor();
		expect(reports).toEqual([201, 200]);

		const { token } = await stored(page, year);
		const repeat = await getJson<{ reported: boolean }>(`/api/v1/ceremonies/${year}/blessings/${id}/reports`, {
			method: "POST",
			headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
			body: "{}",
		});
		expect(repeat).toEqual({ status: 200, body: { reported: true } });

		if (committeeToken()) {
			const queue = await getJson<{ items: { id: string; reports: number }[] }>(
				`/api/v1/admin/ceremonies/${year}/blessings?state=reported&limit=100`,
				{ headers: { Authorization: `Bearer ${committeeToken()}` } },
			);
			expect(queue.status).toBe(200);
			expect(queue.body.items.find((b) => b.id === id)?.reports).toBe(1);
		}
		expectSameOrigin(requests);
		await context.close();
	});

	it("shows blessings in Traditional script to zh-Hant readers", async () => {
		const code = String(Math.floor(100000 + Math.random() * 900000));
		await blessingOnTheWall(`国泰民安 华夏同心 ${code}`);
		const { context, page } = await open(browser, { locale: "zh-TW" });
		await page.goto(`${baseURL()}/`);
		await page.locator("#wall").scrollIntoViewIfNeeded();
		const text = page.locator("#wall-list li.blessing", { hasText: code }).locator(".blessing-text");
		await text.waitFor();
		expect(await text.textContent()).toContain("國泰民安 華夏同心");
		expect(await text.getAttribute("lang")).toBe("zh-Hant");
		await context.close();
	});
});
