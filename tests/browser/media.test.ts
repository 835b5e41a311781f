import type { Browser } from "playwright-core";
import { describe, expect, it } from "vitest";
import { baseURL, expectSameOrigin, open, settledStats, shot, withBrowser } from "./helpers";

let browser: Browser;
let year: number;
withBrowser((launched, current) => {
	browser = launched;
	year = current;
});

describe("for media", () => {
	for (const [lang, label] of [
		["zh-Hans", "网上拜祖人数"],
		["zh-Hant", "網上拜祖人數"],
		["en", "Participants online"],
	] as const) {
		it(`the embeddable counter shows the totals in ${lang}, from its own origin only`, async () => {
			const stats = await settledStats(year);
			const { page, requests, context } = await open(browser);
			const violations: string[] = [];
			page.on("console", (m) => {
				if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
			});
			await page.goto(`${baseURL()}/embed/counter.html?lang=${lang}`);
			await expect
				.poll(() => page.textContent('[data-figure="participants"]'))
				.toBe(new Intl.NumberFormat(lang === "en" ? "en-US" : "zh-CN").format(stats.participants));
			expect(await page.textContent('[data-label="participants"]')).toBe(label);
			await shot(page, `embed-${lang}`);
			expectSameOrigin(requests);
			expect(violations).toEqual([]);
			await context.close();
		});
	}

	it("the script tag puts the counter into a media page", async () => {
		const { page, context } = await open(browser);
		// A stand-in for a partner's page, served here so that the test needs no other host.
		await page.route(`${baseURL()}/partner-page`, (route) =>
			route.fulfill({
				contentType: "text/html",
				body: `<!doctype html><h1>Partner</h1><script src="${baseURL()}/embed/embed.js" data-lang="en"></script>`,
			}),
		);
		await page.goto(`${baseURL()}/partner-page`);
		const frame = page.frameLocator("iframe");
		await expect.poll(() => frame.locator('[data-label="participants"]').textContent()).toBe("Participants online");
		await context.close();
	});

	it("the API documentation renders the OpenAPI document, with no other host and no policy violation", async () => {
		const { page, requests, context } = await open(browser, { viewport: { width: 1200, height: 900 } });
		const violations: string[] = [];
		page.on("console", (m) => {
			if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
		});
		await page.goto(`${baseURL()}/api/docs`);
		await page.getByText("/api/v1/ceremonies/{year}/actions", { exact: true }).first().waitFor();
		await shot(page, "api-docs");
		expectSameOrigin(requests);
		expect(violations).toEqual([]);
		await context.close();
	});
});
