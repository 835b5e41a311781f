import { readFileSync } from "node:fs";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
	baseURL,
	expectAccessible,
	expectSameOrigin,
	expectStats,
	getJson,
	type Lang,
	launch,
	me,
	open,
	plus,
	settledStats,
	shot,
	stored,
} from "./helpers";

type Ceremony = {
	year: number;
	name: Record<Lang, string>;
	rites: { key: string; name: Record<Lang, string>; action: string | null }[];
};

const cases: {
	lang: Lang;
	locale: string;
	country: string;
	reducedMotion: "reduce" | "no-preference";
	name: string;
	blessing: { write: string } | { preset: number; expect: string };
	certificate: RegExp;
}[] = [
	{
		lang: "zh-Hans",
		locale: "zh-CN",
		country: "CN",
		reducedMotion: "no-preference",
		name: "王小明",
		blessing: { write: "愿祖国繁荣昌盛，四海同胞幸福安康" },
		certificate: /您是第 ([\d,]+) 位网上拜祖者/,
	},
	{
		lang: "zh-Hant",
		locale: "zh-TW",
		country: "TW",
		reducedMotion: "reduce",
		name: "陳大文",
		blessing: { preset: 2, expect: "祖德流芳" },
		certificate: /您是第 ([\d,]+) 位網上拜祖者/,
	},
	{
		lang: "en",
		locale: "en-GB",
		country: "GB",
		reducedMotion: "reduce",
		name: "Alex Chen",
		blessing: { write: "Peace and good health to all our kin, near and far." },
		certificate: /online participant No\. ([\d,]+)/,
	},
];

let browser: Browser;
let ceremony: Ceremony;

beforeAll(async () => {
	browser = await launch();
	ceremony = (await getJson<Ceremony>("/api/v1/ceremonies/current")).body;
});
afterAll(async () => {
	await browser?.close();
});

describe("the online rites, start to certificate", () => {
	for (const c of cases) {
		it(`in ${c.lang}: ends with a certificate number that the stats count`, async () => {
			const year = ceremony.year;
			const before = await settledStats(year);
			const { context, page, requests } = await open(browser, {
				locale: c.locale,
				extraHTTPHeaders: { "X-Dev-Country": c.country },
				reducedMotion: c.reducedMotion,
				bypassCSP: true, // lets addScriptTag inject axe-core
				acceptDownloads: true,
			});
			const n = (i: number) => String(i).padStart(2, "0");
			let shotNo = 1;

			// Welcome: the language comes from the browser.
			await page.goto(`${baseURL()}/`);
			await page.waitForFunction(
				(name) => document.querySelector("#step-heading")?.textContent === name,
				ceremony.name[c.lang],
			);
			expect(await page.getAttribute("html", "lang")).toBe(c.lang);
			expect(await page.locator(".rite-list .rite-name").allTextContents()).toEqual(
				ceremony.rites.map((r) => r.name[c.lang]),
			);
			await shot(page, `participant-${c.lang}-${n(shotNo++)}-welcome`);
			await expectAccessible(page, `${c.lang} welcome`);

			// Name and region, preselected from the request's country.
			await page.click("#start");
			await page.waitForSelector("#name");
			await page.waitForFunction(
				(cc) => (document.querySelector("#region") as HTMLSelectElement).value === cc,
				c.country,
			);
			expect(await page.evaluate(() => document.activeElement?.id)).toBe("step-heading");
			await page.fill("#name", c.name);
			await shot(page, `participant-${c.lang}-${n(shotNo++)}-profile`);
			await expectAccessible(page, `${c.lang} profile`);
			await page.click("form.profile-form button[type=submit]");

			// The rites that have an online action, in the ceremony's order.
			for (const rite of ceremony.rites.filter((r) => r.action)) {
				await page.waitForFunction(
					(name) => document.querySelector("#step-heading")?.textContent === name,
					rite.name[c.lang],
				);
				expect(await page.evaluate(() => document.activeElement?.id)).toBe("step-heading");
				if (rite.action === "blessing") {
					if ("write" in c.blessing) await page.fill("#blessing", c.blessing.write);
					else await page.locator(".preset").nth(c.blessing.preset).click();
				}
				await shot(page, `participant-${c.lang}-${n(shotNo++)}-${rite.action}`);
				await expectAccessible(page, `${c.lang} ${rite.action}`);
				await page.click("#act");
				if (rite.action === "flower") {
					// A short animation, or none when the reader asked for reduced motion.
					const animation = await page.evaluate(
						() => getComputedStyle(document.querySelector(".art-flower .basket") as Element).animationName,
					);
					expect(animation).toBe(c.reducedMotion === "reduce" ? "none" : "offer");
				}
				await page.waitForSelector("#next:not([hidden])", { timeout: 30_000 });
				expect(await page.evaluate(() => document.activeElement?.id)).toBe("next");
				await shot(page, `participant-${c.lang}-${n(shotNo++)}-${rite.action}-done`);
				await page.click("#next");
			}

			// The certificate.
			await page.waitForSelector("#cert-number");
			const text = (await page.textContent("#cert-number")) ?? "";
			const m = c.certificate.exec(text);
			expect(m, text).not.toBeNull();
			const number = Number((m?.[1] ?? "").replaceAll(",", ""));
			expect(number).toBeGreaterThan(0);
			await page.waitForFunction(() => {
				const img = document.querySelector("#certificate-img") as HTMLImageElement | null;
				return img?.complete && img.naturalWidth > 0;
			});
			await page.waitForSelector("svg.qr path");
			await shot(page, `participant-${c.lang}-${n(shotNo++)}-certificate`);
			await expectAccessible(page, `${c.lang} certificate`);

			// The service agrees: the same certificate, each offering once, name and region kept.
			const s = await stored(page, year);
			expect(s.certificate?.number).toBe(number);
			const profile = await me(year, s.token ?? "");
			expect(profile.certificate?.number).toBe(number);
			expect(profile.actions).toEqual({ flower: 1, incense: 1, bow: 1, blessing: 1 });
			expect(profile.displayName).toBe(c.name);
			expect(profile.region).toBe(c.country);
			await expectStats(year, plus(before, { participants: 1, flower: 1, incense: 1, bow: 1, blessing: 1 }));

			// Save as image: the SVG drawn to a canvas and downloaded as PNG.
			const [download] = await Promise.all([page.waitForEvent("download"), page.click("#save-png")]);
			expect(download.suggestedFilename()).toMatch(/\.png$/);
			const png = readFileSync((await download.path()) ?? "");
			expect(png.subarray(0, 8).toString("hex")).toBe("89504e470d0a1a0a");
			expect(png.length).toBeGreaterThan(20_000);

			// The share link opens the certificate's share page, which previews in the sharer's language.
			const link = await page.inputValue("#share-link");
			expect(new URL(link).pathname).toBe(`/c/${year}/${s.participantId}`);
			const shared = await context.newPage();
			await shared.goto(link);
			await shared.waitForFunction(() => {
				const img = document.querySelector("#shared-img") as HTMLImageElement | null;
				return Boolean(img?.complete && img.naturalWidth > 0);
			});
			expect(await shared.evaluate(() => document.documentElement.lang)).toBe(c.lang);
			const tag = (selector: string) => shared.locator(selector).getAttribute("content");
			expect(await tag('meta[property="og:title"]')).toContain(c.name);
			expect(await tag('meta[property="og:description"]')).toContain(String(number));
			expect(await tag('meta[name="twitter:title"]')).toBe(await tag('meta[property="og:title"]'));
			expect(await tag('meta[name="twitter:description"]')).toBe(await tag('meta[property="og:description"]'));
			expect(await tag('meta[name="twitter:card"]')).toBe("summary");
			const [sharedDownload] = await Promise.all([shared.waitForEvent("download"), shared.click("#save-png")]);
			expect(sharedDownload.suggestedFilename()).toBe(`certificate-${year}-${number}.png`);
			await shared.close();

			// The blessing appears on the wall, in the reader's script.
			const expected = "write" in c.blessing ? c.blessing.write.slice(0, 6) : c.blessing.expect;
			await page.locator("#wall").scrollIntoViewIfNeeded();
			await page.locator("#wall-list .blessing-text", { hasText: expected }).first().waitFor({ timeout: 30_000 });
			await shot(page, `participant-${c.lang}-${n(shotNo++)}-wall`);

			expectSameOrigin(requests);
			await context.close();
		});
	}

	it("chooses the language from the browser, switches it, and remembers it", async () => {
		const { context, page, requests } = await open(browser, { locale: "zh-HK", bypassCSP: true });
		await page.goto(`${baseURL()}/`);
		await page.waitForFunction(
			(name) => document.querySelector("#step-heading")?.textContent === name,
			ceremony.name["zh-Hant"],
		);
		expect(await page.getAttribute("html", "lang")).toBe("zh-Hant");
		expect(await page.getAttribute('button[data-lang="zh-Hant"]', "aria-pressed")).toBe("true");

		await page.focus('button[data-lang="en"]');
		await page.keyboard.press("Enter");
		await page.waitForFunction(
			(name) => document.querySelector("#step-heading")?.textContent === name,
			ceremony.name.en,
		);
		expect(await page.getAttribute("html", "lang")).toBe("en");
		expect(await page.textContent("#stats-heading")).toBe("Live count");
		await shot(page, "participant-language-switched-to-en");

		await page.reload();
		await page.waitForFunction(
			(name) => document.querySelector("#step-heading")?.textContent === name,
			ceremony.name.en,
		);
		expect(await page.getAttribute('button[data-lang="en"]', "aria-pressed")).toBe("true");
		expectSameOrigin(requests);
		await context.close();
	});
});
