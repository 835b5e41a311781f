import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { type Browser, type BrowserContext, type BrowserContextOptions, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, expect, inject } from "vitest";

export const baseURL = (): string => inject("baseURL");
export const committeeToken = (): string => inject("committeeToken");
export const SHOTS = join(process.cwd(), "test-output", "screenshots");
const require = createRequire(import.meta.url);
export const AXE_PATH = require.resolve("axe-core/axe.min.js");

export type Lang = "zh-Hans" | "zh-Hant" | "en";
export type Stats = {
	participants: number;
	actions: { flower: number; incense: number; bow: number; blessing: number };
	blessingsPublished: number;
};
export type Me = {
	participantId: string;
	displayName: string | null;
	region: string | null;
	certificate: { number: number; url: string } | null;
	actions: { flower: number; incense: number; bow: number; blessing: number };
};
export type Stored = {
	participantId: string | null;
	token: string | null;
	step: string;
	actions: Record<string, { status: "pending" | "done"; key: string; message?: string }>;
	certificate: { number: number; url: string } | null;
	reported: string[];
};

export async function launch(): Promise<Browser> {
	return chromium.launch({
		executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
		args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
	});
}

export type Session = { context: BrowserContext; page: Page; requests: string[] };

/** A phone-sized page that records every request it makes. */
export async function open(browser: Browser, opts: BrowserContextOptions = {}): Promise<Session> {
	const context = await browser.newContext({
		viewport: { width: 390, height: 844 },
		deviceScaleFactor: 1,
		isMobile: false,
		hasTouch: true,
		...opts,
	});
	const page = await context.newPage();
	const requests: string[] = [];
	page.on("request", (r) => {
		requests.push(r.url());
	});
	page.on("pageerror", (e) => {
		console.error(`page error: ${e.message}`);
	});
	return { context, page, requests };
}

/** Every request stayed on the service's own origin. */
export function expectSameOrigin(requests: string[]) {
	const origin = new URL(baseURL()).origin;
	const foreign = requests.filter(
		(u) => !u.startsWith("data:") && !u.startsWith("blob:") && new URL(u).origin !== origin,
	);
	expect(foreign, "requests to other hosts").toEqual([]);
	expect(requests.length).toBeGreaterThan(0);
}

export async function shot(page: Page, name: string) {
	mkdirSync(SHOTS, { recursive: true });
	await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/** axe-core in the page: no serious or critical violation. */
export async function expectAccessible(page: Page, where: string) {
	const injected = await page.evaluate(() => "axe" in window);
	if (!injected) await page.addScriptTag({ path: AXE_PATH });
	const violations = await page.evaluate(async () => {
		// Injected above, so not a global the page's own types know of.
		const axe = (window as unknown as { axe: typeof import("axe-core") }).axe;
		const res = await axe.run(document, { resultTypes: ["violations"] });
		return res.violations.map((v) => ({
			id: v.id,
			impact: v.impact,
			help: v.help,
			targets: v.nodes.map((n) => n.target.join(" ")).slice(0, 5),
		}));
	});
	const bad = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
	if (violations.length) console.log(`axe at ${where}:`, JSON.stringify(violations));
	expect(bad, `serious accessibility violations at ${where}`).toEqual([]);
}

export async function getJson<T>(path: string, init?: RequestInit): Promise<{ status: number; body: T }> {
	const r = await fetch(baseURL() + path, init);
	const text = await r.text();
	return { status: r.status, body: (text ? JSON.parse(text) : null) as T };
}

export async function currentYear(): Promise<number> {
	return (await getJson<{ year: number }>("/api/v1/ceremonies/current")).body.year;
}

export async function stats(year: number): Promise<Stats> {
	return (await getJson<Stats>(`/api/v1/ceremonies/${year}/stats`)).body;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Stats once they stopped moving (totals lag acknowledged actions by up to 2 s). */
export async function settledStats(year: number): Promise<Stats> {
	let prev = await stats(year);
	for (let i = 0; i < 10; i++) {
		await sleep(2500);
		const next = await stats(year);
		if (JSON.stringify(next) === JSON.stringify(prev)) return next;
		prev = next;
	}
	return prev;
}

/** Polls the stats until they equal `expected`, then checks they stay there (no double count). */
export async function expectStats(year: number, expected: Omit<Stats, "blessingsPublished">) {
	const pick = (s: Stats) => ({ participants: s.participants, actions: s.actions });
	const deadline = Date.now() + 15_000;
	let last = await stats(year);
	while (Date.now() < deadline && JSON.stringify(pick(last)) !== JSON.stringify(expected)) {
		await sleep(500);
		last = await stats(year);
	}
	expect(pick(last)).toEqual(expected);
	await sleep(2500);
	expect(pick(await stats(year))).toEqual(expected);
}

export function plus(
	s: Stats,
	d: { participants?: number; flower?: number; incense?: number; bow?: number; blessing?: number },
) {
	return {
		participants: s.participants + (d.participants ?? 0),
		actions: {
			flower: s.actions.flower + (d.flower ?? 0),
			incense: s.actions.incense + (d.incense ?? 0),
			bow: s.actions.bow + (d.bow ?? 0),
			blessing: s.actions.blessing + (d.blessing ?? 0),
		},
	};
}

/** The participant's progress as the page keeps it in localStorage. */
export async function stored(page: Page, year: number): Promise<Stored> {
	return page.evaluate((y) => JSON.parse(localStorage.getItem(`baizu:v1:${y}`) ?? "null"), year);
}

export async function me(year: number, token: string): Promise<Me> {
	return (
		await getJson<Me>(`/api/v1/ceremonies/${year}/participants/me`, { headers: { Authorization: `Bearer ${token}` } })
	).body;
}

/** A test file's browser and the current ceremony's year: launched before its tests, closed after. */
export function withBrowser(ready: (browser: Browser, year: number) => void) {
	let browser: Browser | undefined;
	beforeAll(async () => {
		browser = await launch();
		ready(browser, await currentYear());
	});
	afterAll(async () => {
		await browser?.close();
	});
}
