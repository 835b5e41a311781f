import type { Browser } from "playwright-core";
import { describe, expect, it } from "vitest";
import { baseURL, getJson, open, withBrowser } from "./helpers";

// The certificate SVG as Chromium lays it out with the installed fonts (fonts-noto-cjk): the
// longest allowed names (32 characters) in three scripts, and the longest anonymous label, must
// stay inside the inner frame and clear of the lines above and below.
let browser: Browser;
let year: number;
withBrowser((launched, current) => {
	browser = launched;
	year = current;
});

/** The inner frame of the certificate (x 70 to 1010), less a margin; the texts above and below the name. */
const FRAME = { left: 80, right: 1000 };
const ABOVE = 380; // baseline of the ceremony's name
const BELOW_TOP = 800 - 56; // top of the certificate-number line

const NAMES = {
	han: "黄帝故里拜祖大典網上拜祖者中華兒女四海同心共拜始祖祈福中華民安龘", // 32 Han characters
	latin: "WMWMWMWMWMWMWMWMWMWMWMWMWMWMWMWM", // 32 of the widest Latin letters
	cyrillic: "ЩЖШЮЩЖШЮЩЖШЮЩЖШЮЩЖШЮЩЖШЮЩЖШЮЩЖШЮ", // 32 wide Cyrillic letters
	words: "Wilhelmina Maximiliana Worthing", // words, wrapped at a space
};

async function certificateOf(displayName: string | null): Promise<string> {
	const issued = await getJson<{ participantId: string; token: string }>("/api/v1/participants", {
		method: "POST",
		headers: { "Content-Type": "application/json" },
		body: "{}",
	});
	expect(issued.status).toBe(201);
	const auth = { "Content-Type": "application/json", Authorization: `Bearer ${issued.body.token}` };
	if (displayName !== null) {
		const put = await getJson<{ displayName: string }>(`/api/v1/ceremonies/${year}/participants/me`, {
			method: "PUT",
			headers: auth,
			body: JSON.stringify({ displayName }),
		});
		expect(put.status).toBe(200);
		expect([...put.body.displayName]).toHaveLength([...displayName].length);
	}
	const acted = await getJson(`/api/v1/ceremonies/${year}/actions`, {
		method: "POST",
		headers: { ...auth, "Idempotency-Key": crypto.randomUUID() },
		body: JSON.stringify({ type: "flower" }),
	});
	expect(acted.status).toBe(201);
	return `${baseURL()}/api/v1/ceremonies/${year}/certificates/${issued.body.participantId}`;
}

describe("the certificate", () => {
	const cases: Array<[string, string | null, "zh-Hans" | "zh-Hant" | "en"]> = [
		["32 Han characters", NAMES.han, "zh-Hans"],
		["32 wide Latin letters", NAMES.latin, "en"],
		["32 wide Cyrillic letters", NAMES.cyrillic, "zh-Hant"],
		["a name of words", NAMES.words, "en"],
		["the English anonymous label", null, "en"],
	];
	for (const [what, name, lang] of cases) {
		it(`fits ${what} inside its frame, in Chromium`, async () => {
			const url = await certificateOf(name);
			const { context, page } = await open(browser, { viewport: { width: 1080, height: 1440 } });
			try {
				await page.goto(`${url}?lang=${lang}`);
				await page.evaluate(() => document.fonts.ready);
				const boxes = await page.evaluate(() =>
					[...document.querySelectorAll("text.name")].map((t) => {
						const b = (t as SVGTextElement).getBBox();
						return { x: b.x, y: b.y, width: b.width, height: b.height, text: t.textContent ?? "" };
					}),
				);
				expect(boxes.length).toBeGreaterThanOrEqual(1);
				const shown = boxes.map((b) => b.text).join("");
				expect(shown.replace(/\s/g, "")).toBe((name ?? "A descendant of the Yellow Emperor").replace(/\s/g, ""));
				for (const b of boxes) {
					expect(b.x, `${b.text} starts left of the frame`).toBeGreaterThanOrEqual(FRAME.left);
					expect(b.x + b.width, `${b.text} runs past the frame`).toBeLessThanOrEqual(FRAME.right);
					expect(b.y, `${b.text} runs into the line above`).toBeGreaterThan(ABOVE);
					expect(b.y + b.height, `${b.text} runs into the line below`).toBeLessThan(BELOW_TOP);
					// Still a name to read, not a footnote.
					expect(b.height).toBeGreaterThan(36);
				}
			} finally {
				await context.close();
			}
		});
	}
});
