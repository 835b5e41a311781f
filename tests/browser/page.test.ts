import { gzipSync } from "node:zlib";
import type { Browser, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { baseURL, expectSameOrigin, open, shot, withBrowser } from "./helpers";

const BUDGET = 200 * 1024;

/** The policy that production applies (public/_headers); applied here too so the page is tested under it. */
const CSP =
	"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; " +
	"font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

let browser: Browser;
let year: number;
withBrowser((launched, current) => {
	browser = launched;
	year = current;
});

/** Presses Tab until the element with `id` has focus. */
async function tabTo(page: Page, id: string, max = 25) {
	for (let i = 0; i < max; i++) {
		if ((await page.evaluate(() => document.activeElement?.id)) === id) return;
		await page.keyboard.press("Tab");
	}
	throw new Error(`#${id} is not reachable with Tab`);
}

describe("the participant page", () => {
	it("transfers at most 200 KB on the first view, all from its own origin", async () => {
		const { context, page, requests } = await open(browser, { locale: "zh-CN" });
		const cdp = await context.newCDPSession(page);
		await cdp.send("Network.enable");
		await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
		const urls = new Map<string, string>();
		const sizes = new Map<string, number>();
		cdp.on("Network.requestWillBeSent", (e) => {
			urls.set(e.requestId, e.request.url);
		});
		cdp.on("Network.loadingFinished", (e) => {
			sizes.set(e.requestId, e.encodedDataLength);
		});
		const bodies = new Map<string, number>();
		page.on("response", async (r) => {
			try {
				bodies.set(r.url(), gzipSync(await r.body(), { level: 6 }).length);
			} catch {
				// redirects and aborted bodies have none
			}
		});

		await page.goto(`${baseURL()}/`, { waitUntil: "load" });
		await page.waitForSelector("#start");
		await page.waitForFunction(() => document.querySelector("#stat-participants")?.textContent !== "—");
		await page.waitForTimeout(2000);

		let total = 0;
		let gzipped = 0;
		const rows: string[] = [];
		for (const [id, bytes] of sizes) {
			const url = urls.get(id) ?? "?";
			total += bytes;
			gzipped += bodies.get(url) ?? bytes;
			rows.push(
				`${String(bytes).padStart(8)}  ${String(bodies.get(url) ?? "").padStart(7)}  ${url.replace(baseURL(), "")}`,
			);
		}
		console.log(
			`first view: ${sizes.size} responses, ${total} bytes transferred (${(total / 1024).toFixed(1)} KB), ` +
				`${gzipped} bytes with gzip bodies (${(gzipped / 1024).toFixed(1)} KB); budget ${BUDGET} bytes\n` +
				`   bytes     gzip  url\n${rows.join("\n")}`,
		);
		expect(total).toBeLessThanOrEqual(BUDGET);
		expect(gzipped).toBeLessThanOrEqual(BUDGET);
		// The QR module and the PNG export load only at the certificate.
		expect(requests.some((u) => u.includes("/vendor/"))).toBe(false);
		for (const later of ["/bundle/certificate.js", "/bundle/qr.js"])
			expect(requests.some((u) => u.endsWith(later))).toBe(false);
		expectSameOrigin(requests);
		await context.close();
	});

	it("works by keyboard alone under a strict Content-Security-Policy, with no violation", async () => {
		const { context, page, requests } = await open(browser, {
			locale: "en-US",
			reducedMotion: "reduce",
			acceptDownloads: true,
		});
		await page.addInitScript(() => {
			const w = window as unknown as { cspViolations: string[] };
			w.cspViolations = [];
			document.addEventListener("securitypolicyviolation", (e) => {
				w.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`);
			});
		});
		await page.route(`${baseURL()}/`, async (route) => {
			const res = await route.fetch();
			await route.fulfill({ response: res, headers: { ...res.headers(), "content-security-policy": CSP } });
		});
		await page.goto(`${baseURL()}/`);
		await page.waitForSelector("#start");

		// The skip link comes first and leads to the main content.
		await page.keyboard.press("Tab");
		expect(await page.evaluate(() => document.activeElement?.className)).toBe("skip-link");

		await tabTo(page, "start");
		await page.keyboard.press("Enter");
		await page.waitForSelector("#name");
		await page.keyboard.press("Tab");
		expect(await page.evaluate(() => document.activeElement?.id)).toBe("name");
		await page.keyboard.type("Keyboard User");
		await page.keyboard.press("Enter"); // submits the form
		for (const action of ["flower", "incense", "bow", "blessing"]) {
			await page.waitForFunction((a) => document.querySelector(".art")?.classList.contains(`art-${a}`), action);
			if (action === "blessing") {
				await tabTo(page, "blessing");
				await page.keyboard.type("May our families be well.");
			}
			await tabTo(page, "act");
			await page.keyboard.press("Enter");
			await page.waitForFunction(() => document.activeElement?.id === "next", undefined, { timeout: 30_000 });
			await page.keyboard.press("Enter");
		}
		await page.waitForSelector("#cert-number");
		await page.waitForSelector("svg.qr path");
		await tabTo(page, "save-png");
		const [download] = await Promise.all([page.waitForEvent("download"), page.keyboard.press("Enter")]);
		expect(download.suggestedFilename()).toBe(
			`baizu-${year}-${(await page.textContent("#cert-number"))?.match(/[\d,]+/)?.[0]?.replaceAll(",", "")}.png`,
		);
		await shot(page, "participant-keyboard-certificate");

		expect(await page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations)).toEqual([]);
		expectSameOrigin(requests);
		await context.close();
	});
});
