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
	numberFormats: number;
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
					numberFormats: 0,
				};
				(window as unknown as { __watch: Watch }).__watch = w;
				// Building a date or number format loads the browser's locale data: costly on a slow phone
				// at load. The counters are whole numbers and their clock 24-hour (public/shared/plain-formats.js).
				const counting = <C extends object>(format: C, count: () => void): C =>
					new Proxy(format, {
						construct(target, args) {
							count();
							return Reflect.construct(target as new (...a: unknown[]) => object, args);
						},
						apply(target, self, args) {
							count();
							return Reflect.apply(target as (...a: unknown[]) => unknown, self, args);
						},
					});
				Intl.DateTimeFormat = counting(Intl.DateTimeFormat, () => w.dateFormats++);
				Intl.NumberFormat = counting(Intl.NumberFormat, () => w.numberFormats++);
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
			expect(watch.dateFormats, "date formats built to write the counters' clock").toBe(0);
			expect(watch.numberFormats, "number formats built to write the counters").toBe(0);
			expect(watch.shifts, "layout shifts").toEqual([]);
			expect(await page.locator("#start").textContent()).toBe(start);
			expect(await page.evaluate(() => document.documentElement.lang)).toBe(lang);

			// Further down, sections arriving later keep their space: scrolling to them moves nothing above.
			await page.locator("#wall").scrollIntoViewIfNeeded();
			await page.locator("#wall-list li, #wall-empty:not([hidden])").first().waitFor();
			await context.close();
		});
	}

	it("writes counts as the browser's number format does in each language, and the clock as zh-CN's", async () => {
		const { context, page } = await open(browser, { locale: "zh-TW" });
		await page.goto(`${baseURL()}/`);
		// A string, so that the test runner leaves the page's own dynamic import alone.
		const mismatches = (await page.evaluate(`(async () => {
			const { clockTime, groupedDigits } = await import("/shared/plain-formats.js");
			const counts = [0, 7, 999, 1000, 12345, 999999, 1000000, 16850000, 123456789, 2 ** 31, 2 ** 53 - 1];
			const found = [];
			for (const locale of ["zh-Hans-CN", "zh-Hant-TW", "en"])
				for (const n of counts) {
					const expected = new Intl.NumberFormat(locale).format(n);
					if (groupedDigits(n) !== expected) found.push(locale + " " + n + ": " + groupedDigits(n) + " vs " + expected);
				}
			const medium = new Intl.DateTimeFormat("zh-Hans-CN", { timeStyle: "medium" });
			for (const h of [0, 1, 9, 12, 13, 23]) {
				const at = new Date(2027, 3, 9, h, 4, 5);
				if (clockTime(at) !== medium.format(at)) found.push("clock " + clockTime(at) + " vs " + medium.format(at));
			}
			return found;
		})()`)) as string[];
		expect(mismatches).toEqual([]);
		await context.close();
	});

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
