import { geoEqualEarth } from "d3-geo";
import type { Browser, Page } from "playwright-core";
import { feature } from "topojson-client";
import type { GeometryCollection, Topology } from "topojson-specification";
import { beforeAll, describe, expect, inject, it } from "vitest";
import countries110m from "world-atlas/countries-110m.json";
import { buildBlessingMap, CENTRAL_MERIDIAN } from "../../scripts/blessing-map.mjs";
import { baseURL, expectAccessible, expectSameOrigin, getJson, type Lang, open, shot, withBrowser } from "./helpers";

// The blessing map (祈福地图) on the participant page and in the committee console, in real Chromium
// against the service that tests/browser/global-setup.ts starts, with participants from a few regions.
const TOKEN = inject("committeeToken") || process.env.BROWSER_TEST_COMMITTEE_TOKEN || "ci-committee-token";
const DESKTOP = { viewport: { width: 1366, height: 900 }, isMobile: false, hasTouch: false };
/** The drawing's module: bundled for the participant page (scripts/build-pages.mjs), as is for the console. */
const PAGE_MAP_MODULE = "/bundle/blessing-map.js";
const CONSOLE_MAP_MODULE = "/shared/blessing-map.js";
const MAP_DATA = "/vendor/blessing-map.json";

type RegionCount = { region: string; participants: number };
type Circle = { region: string; cx: number; cy: number; r: number; participants: number };
type MapData = ReturnType<typeof buildBlessingMap>;

/** Participants who each offer a flower, so that they count for their region. */
const SEED: Record<string, number> = { CN: 6, US: 3, FR: 2, AU: 1, RE: 1 };

let browser: Browser;
let year: number;
withBrowser((launched, current) => {
	browser = launched;
	year = current;
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function participate(country: string) {
	const p = await getJson<{ token: string }>("/api/v1/participants", {
		method: "POST",
		headers: { "Content-Type": "application/json", "X-Dev-Country": country },
		body: "{}",
	});
	expect(p.status).toBe(201);
	const a = await getJson(`/api/v1/ceremonies/${year}/actions`, {
		method: "POST",
		headers: {
			"Content-Type": "application/json",
			Authorization: `Bearer ${p.body.token}`,
			"Idempotency-Key": crypto.randomUUID(),
			"X-Dev-Country": country,
		},
		body: JSON.stringify({ type: "flower" }),
	});
	expect(a.status, JSON.stringify(a.body)).toBe(201);
}

async function regions(): Promise<RegionCount[]> {
	return (await getJson<{ regions: RegionCount[] }>(`/api/v1/ceremonies/${year}/stats/regions`)).body.regions;
}

async function circles(page: Page, host: string): Promise<Circle[]> {
	return page.$$eval(`${host} svg circle`, (els) =>
		els.map((c) => ({
			region: c.getAttribute("data-region") ?? "",
			cx: Number(c.getAttribute("cx")),
			cy: Number(c.getAttribute("cy")),
			r: Number(c.getAttribute("r")),
			participants: Number(c.getAttribute("data-participants")),
		})),
	);
}

/** Where a place is on the map, by an Equal Earth projection of its own (not the vendored one). */
function place(map: MapData, lon: number, lat: number): [number, number] {
	const projection = geoEqualEarth()
		.rotate([-CENTRAL_MERIDIAN, 0])
		.fitExtent(
			[
				[1, 1],
				[map.width - 1, map.height - 1],
			],
			{ type: "Sphere" },
		);
	return projection([lon, lat]) as [number, number];
}

let data: MapData;
beforeAll(async () => {
	const before = new Map((await regions()).map((r) => [r.region, r.participants]));
	for (const [country, n] of Object.entries(SEED)) for (let i = 0; i < n; i++) await participate(country);
	// Totals lag acknowledged actions by a few seconds.
	const deadline = Date.now() + 30_000;
	for (;;) {
		const now = new Map((await regions()).map((r) => [r.region, r.participants]));
		if (Object.entries(SEED).every(([c, n]) => (now.get(c) ?? 0) >= (before.get(c) ?? 0) + n)) break;
		if (Date.now() > deadline) throw new Error("the seeded regions did not arrive in the statistics");
		await sleep(500);
	}
	data = (await getJson<MapData>(MAP_DATA)).body;
});

describe("the blessing map", () => {
	it("is the land object of world-atlas, without national borders, as npm run vendor builds it", () => {
		const built = buildBlessingMap();
		expect(data, "public/vendor/blessing-map.json is stale: run npm run vendor").toEqual(built);
		expect(data.source).toMatch(/world-atlas@[\d.]+ .*land-110m\.json objects\.land/);
		// One subpath per land polygon (a few more where the map's edge cuts one); the countries
		// object, which would draw borders, has many more.
		const subpaths = data.land.match(/M/g)?.length ?? 0;
		const world = countries110m as unknown as Topology<{ countries: GeometryCollection }>;
		const countryPolygons = feature(world, world.objects.countries).features.reduce(
			(n, f) => n + (f.geometry?.type === "MultiPolygon" ? f.geometry.coordinates.length : 1),
			0,
		);
		expect(subpaths).toBeGreaterThanOrEqual(data.landPolygons);
		expect(subpaths).toBeLessThanOrEqual(data.landPolygons + 6);
		expect(countryPolygons).toBeGreaterThan(data.landPolygons + 50);
		// Every region a participant may choose is placed, but for a few small territories.
		expect(Object.keys(data.centroids).length).toBeGreaterThan(230);
		expect(data.unplaced).toContain("RE");
	});

	it("is not fetched in the first view, and loads when scrolled into view without moving the page", async () => {
		const { context, page, requests } = await open(browser, { locale: "zh-CN" });
		try {
			await page.goto(`${baseURL()}/`, { waitUntil: "load" });
			await page.waitForSelector("#start");
			await page.waitForFunction(() => (document.querySelector("#map-list")?.children.length ?? 0) > 0);
			await page.waitForTimeout(1500);
			expect(requests.filter((u) => u.endsWith(PAGE_MAP_MODULE) || u.endsWith(MAP_DATA))).toEqual([]);
			expect(await page.$("#map-canvas svg")).toBeNull();
			const box = async () => page.$eval("#map-canvas", (el) => el.getBoundingClientRect().toJSON() as DOMRect);
			const before = await box();
			expect(before.height).toBeCloseTo((before.width * data.height) / data.width, 0);
			const listTop = await page.$eval("#map-list", (el) => el.getBoundingClientRect().top + window.scrollY);

			await page.$eval("#map", (el) => el.scrollIntoView());
			await page.waitForSelector("#map-canvas svg circle");
			expect(requests.some((u) => u.endsWith(PAGE_MAP_MODULE))).toBe(true);
			expect(requests.some((u) => u.endsWith(MAP_DATA))).toBe(true);
			const after = await box();
			expect(after.height).toBe(before.height);
			expect(after.width).toBe(before.width);
			expect(await page.$eval("#map-list", (el) => el.getBoundingClientRect().top + window.scrollY)).toBe(listTop);
			expectSameOrigin(requests);
			await page.$eval("#map", (el) => el.scrollIntoView());
			await page.screenshot({ path: "test-output/screenshots/map-phone-zh-Hans.png" });
		} finally {
			await context.close();
		}
	});

	it("draws one circle per region with participants, at its place, sized by area, on land alone", async () => {
		const { context, page } = await open(browser, { ...DESKTOP, locale: "zh-CN" });
		try {
			await page.goto(`${baseURL()}/`);
			await page.$eval("#map", (el) => el.scrollIntoView());
			await page.waitForSelector("#map-canvas svg circle");
			const counts = await regions();
			const drawn = await circles(page, "#map-canvas");
			const expected = counts.filter((r) => r.region !== "XX" && r.participants > 0 && data.centroids[r.region]);
			expect(drawn.map((c) => c.region).sort()).toEqual(expected.map((r) => r.region).sort());
			expect(drawn.length).toBeGreaterThanOrEqual(4);
			const at = new Map(drawn.map((c) => [c.region, c]));

			// Roughly the right place: within 30 map units (of 960) of a point in the region's heart.
			const hearts: Record<string, [number, number]> = {
				CN: [104, 35],
				US: [-98, 39],
				FR: [2.5, 46.5],
				AU: [134, -25],
			};
			for (const [code, [lon, lat]] of Object.entries(hearts)) {
				const c = at.get(code);
				const [x, y] = place(data, lon, lat);
				expect(c, code).toBeDefined();
				expect(Math.hypot((c?.cx ?? 0) - x, (c?.cy ?? 0) - y), code).toBeLessThan(30);
			}
			const cn = at.get("CN") as Circle;
			const fr = at.get("FR") as Circle;
			const au = at.get("AU") as Circle;
			expect(cn.cx, "East Asia lies right of Europe").toBeGreaterThan(fr.cx);
			expect(au.cy, "Australia lies below China").toBeGreaterThan(cn.cy);

			// Areas proportional to participants (above the smallest drawn size).
			const big = drawn.filter((c) => c.r > 3);
			const largest = drawn.reduce((a, b) => (b.participants > a.participants ? b : a));
			for (const c of big) {
				expect((c.r / largest.r) ** 2, c.region).toBeCloseTo(c.participants / largest.participants, 1);
			}

			// The unknown region is not drawn; a territory too small to draw is named under the map.
			expect(at.has("XX")).toBe(false);
			expect(at.has("RE")).toBe(false);
			await expect.poll(() => page.textContent("#map-note")).toContain("留尼汪");

			// Land alone: the globe's outline and the land path of the vendored file, no other path.
			const paths = await page.$$eval("#map-canvas svg path", (els) =>
				els.map((p) => ({ cls: p.getAttribute("class"), d: p.getAttribute("d") })),
			);
			expect(paths.map((p) => p.cls)).toEqual(["map-sphere", "map-land"]);
			expect(paths[1]?.d).toBe(data.land);
			await shot(page, "map-desktop-zh-Hans");
		} finally {
			await context.close();
		}
	});

	it("is labelled in the reader's language, with a title and description, and passes axe", async () => {
		// bypassCSP lets addScriptTag inject axe-core.
		const { context, page } = await open(browser, { ...DESKTOP, locale: "zh-CN", bypassCSP: true });
		try {
			await page.goto(`${baseURL()}/`);
			await page.$eval("#map", (el) => el.scrollIntoView());
			await page.waitForSelector("#map-canvas svg text[data-region='CN']");
			const cases: [Lang, string, string, string][] = [
				["zh-Hant", "中國", "拜祖者來自何方的地圖", "留尼旺"],
				["en", "China", "Map of where participants come from", "Réunion"],
				["zh-Hans", "中国", "拜祖者来自何方的地图", "留尼汪"],
			];
			for (const [lang, china, title, reunion] of cases) {
				await page.click(`.lang-switch button[data-lang="${lang}"]`);
				await expect.poll(() => page.textContent("#map-canvas svg text[data-region='CN']")).toBe(china);
				expect(await page.textContent("#map-canvas svg > title")).toBe(title);
				const desc = await page.textContent("#map-canvas svg > desc");
				expect(desc).toContain(china);
				expect(await page.textContent("#map-canvas svg circle[data-region='CN'] > title")).toContain(china);
				expect(await page.textContent("#map-note")).toContain(reunion);
				// The list says the same as the circles.
				expect(await page.textContent("#map-list")).toContain(china);
				await page.$eval("#map", (el) => el.scrollIntoView());
				await page.screenshot({ path: `test-output/screenshots/map-desktop-${lang}.png` });
			}
			const svg = await page.$eval("#map-canvas svg", (el) => ({
				role: el.getAttribute("role"),
				labelledby: document.getElementById(el.getAttribute("aria-labelledby") ?? "")?.textContent,
				describedby: document.getElementById(el.getAttribute("aria-describedby") ?? "")?.textContent,
			}));
			expect(svg.role).toBe("img");
			expect(svg.labelledby).toBeTruthy();
			expect(svg.describedby).toBeTruthy();
			await expectAccessible(page, "the blessing map");
		} finally {
			await context.close();
		}
	});

	it("is the same map in the committee console", async () => {
		const { context, page, requests } = await open(browser, DESKTOP);
		try {
			await page.goto(`${baseURL()}/admin/`);
			await page.waitForSelector("#signin-submit:not([disabled])");
			await page.fill("#token-input", TOKEN);
			await page.click("#signin-submit");
			await page.waitForSelector("#console:not([hidden])");
			await page.waitForFunction(() => (document.querySelector("#regions")?.children.length ?? 0) > 0);
			await page.$eval("#regions-map", (el) => el.scrollIntoView());
			await page.waitForSelector("#regions-map svg circle[data-region='CN']");
			expect(requests.filter((u) => u.endsWith(CONSOLE_MAP_MODULE))).toHaveLength(1);
			const paths = await page.$$eval("#regions-map svg path", (els) => els.map((p) => p.getAttribute("d")));
			expect(paths).toEqual([data.sphere, data.land]);
			const drawn = await circles(page, "#regions-map");
			const cn = drawn.find((c) => c.region === "CN");
			expect(cn?.cx).toBe(data.centroids.CN?.[0]);
			expect(await page.textContent("#regions-map svg text[data-region='CN']")).toBe("中国");
			expect(await page.textContent("#regions-map-note")).toContain("Réunion");
			await page.$eval("#regions-map", (el) => el.scrollIntoView());
			await page.screenshot({ path: "test-output/screenshots/map-console.png" });
		} finally {
			await context.close();
		}
	});
});
