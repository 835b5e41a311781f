import type { Browser } from "playwright-core";
import { describe, expect, it } from "vitest";
import { baseURL, open, withBrowser } from "./helpers";

let browser: Browser;
withBrowser((launched) => {
	browser = launched;
});

type Watch = {
	shifts: { value: number; sources: string[] }[];
	stageChanges: number;
	dateFormats: number;
	dateFormatsAtTakeOver: number | null;
};

describe("the participant page's first view", () => {
	for (const [locale, lang, start] of [
		["zh-CN", "zh-Hans", "开始拜祖"],
		["zh-TW", "zh-Hant", "開始拜祖"],
		["en-US", "en", "Begin"],
	] as const) {
		it(`${locale}: is complete in the HTML, is kept by the script, and nothing on it moves`, async () => {
			const { context, page } = await open(browser, { locale, viewport: { width: 412, height: 823 } });
			// Before any of the page's own code: watch the stage's children and every layout shift.
			await page.addInitScript(() => {
				const w = {
					shifts: [] as { value: number; sources: string[] }[],
					stageChanges: 0,
					dateFormats: 0,
					dateFormatsAtTakeOver: null as number | null,
				};
				(window as unknown as { __watch: Watch }).__watch = w;
				// Building a date format loads the browser's locale data: costly on a slow phone at load.
				Intl.DateTimeFormat = new Proxy(Intl.DateTimeFormat, {
					construct(target, args) {
						w.dateFormats++;
						return Reflect.construct(target, args);
					},
					apply(target, self, args) {
						w.dateFormats++;
						return Reflect.apply(target, self, args);
					},
				});
				new PerformanceObserver((list) => {
					for (const e of list.getEntries() as (PerformanceEntry & {
						value: number;
						sources: { node?: Node | null }[];
					})[])
						w.shifts.push({ value: e.value, sources: e.sources.map((s) => s.node?.nodeName ?? "?") });
				}).observe({ type: "layout-shift", buffered: true });
				document.addEventListener("readystatechange", () => {
					const stage = document.getElementById("stage");
					if (!stage || document.readyState !== "interactive") return;
					new MutationObserver((records) => {
						for (const r of records) w.stageChanges += r.removedNodes.length;
					}).observe(stage, { childList: true });
					new MutationObserver(() => {
						if (!stage.hasAttribute("data-first-view")) w.dateFormatsAtTakeOver ??= w.dateFormats;
					}).observe(stage, { attributes: true, attributeFilter: ["data-first-view"] });
				});
			});
			const html = await (await page.request.get(`${baseURL()}/`, { headers: { "accept-language": locale } })).text();
			expect(html).toContain(`<html lang="${lang}">`);
			expect(html).toContain(`id="start">${start}</button>`);
			expect(html).not.toContain("正在载入");

			await page.goto(`${baseURL()}/`, { waitUntil: "load" });
			await page.locator("#start").waitFor();
			// The script has taken the page over once the stage's marker of the Worker's first view is gone.
			await page.waitForFunction(() => !document.querySelector("#stage")?.hasAttribute("data-first-view"));
			await page.waitForFunction(() => document.querySelector("#stat-participants")?.textContent !== "—");
			await page.waitForTimeout(1500);
			const watch = await page.evaluate(() => (window as unknown as { __watch: Watch }).__watch);
			expect(watch.stageChanges, "welcome nodes the script replaced").toBe(0);
			expect(watch.dateFormatsAtTakeOver, "date formats built to take the first view over").toBe(0);
			expect(watch.shifts, "layout shifts").toEqual([]);
			expect(await page.locator("#start").textContent()).toBe(start);
			expect(await page.evaluate(() => document.documentElement.lang)).toBe(lang);

			// Further down, sections arriving later keep their space: scrolling to them moves nothing above.
			await page.locator("#wall").scrollIntoViewIfNeeded();
			await page.locator("#wall-list li, #wall-empty:not([hidden])").first().waitFor();
			await context.close();
		});
	}

	it("remembers the language chosen on the page: the next first view is written in it", async () => {
		const { context, page } = await open(browser, { locale: "zh-CN" });
		await page.goto(`${baseURL()}/`);
		await page.locator("#start").waitFor();
		await page.click('.lang-switch button[data-lang="en"]');
		await page.waitForFunction(() => document.querySelector("#start")?.textContent === "Begin");
		await page.goto(`${baseURL()}/`);
		await page.locator("#start").waitFor();
		expect(await page.evaluate(() => document.documentElement.lang)).toBe("en");
		const again = await (await page.request.get(`${baseURL()}/`)).text();
		expect(again).toContain('<html lang="en">');
		await context.close();
	});
});
