import { createServer, type Server } from "node:http";
import type { Browser, BrowserContext, Request as PlaywrightRequest } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startService } from "../../scripts/service.mjs";
import { launch, open } from "./helpers";

// The participant page with Turnstile on, as production runs it, and nothing calling out: the
// service verifies tokens at a local stand-in of siteverify (TURNSTILE_SITEVERIFY_URL, honoured in
// development only), and the browser gets a stand-in of Turnstile's script through page routing
// that implements the documented window.turnstile API.

const SITE_KEY = "1x00000000000000000000AA";
const SECRET = "the-turnstile-secret-of-this-test";
const SCRIPT = "https://challenges.cloudflare.com/turnstile/v0/api.js?render=explicit";

/** The documented `window.turnstile` API: render, execute, reset, getResponse, remove, with callbacks. */
const STAND_IN = `(() => {
	let n = 0;
	const widgets = new Map();
	const calls = (window.__turnstileCalls = []);
	window.turnstile = {
		render(container, options) {
			const id = "widget-" + ++n;
			const el = typeof container === "string" ? document.querySelector(container) : container;
			el.append(Object.assign(document.createElement("div"), { className: "stand-in" }));
			widgets.set(id, { options, token: undefined });
			const { sitekey, language, appearance, execution, action } = options;
			calls.push(["render", { sitekey, language, appearance, execution, action }]);
			if (execution !== "execute") this.execute(id);
			return id;
		},
		execute(id) {
			const w = widgets.get(id);
			calls.push(["execute", id]);
			setTimeout(() => {
				w.token = "stand-in-token-" + Math.random().toString(36).slice(2);
				calls.push(["token", w.token]);
				w.options.callback?.(w.token);
			}, 20);
		},
		reset(id) {
			calls.push(["reset", id]);
			widgets.get(id).token = undefined;
		},
		getResponse(id) {
			return widgets.get(id)?.token;
		},
		remove(id) {
			widgets.delete(id);
		},
	};
})();`;

/** The siteverify stand-in: what it was asked, and how many of the next tokens it refuses. */
const siteverify = { asked: [] as { secret: string; response: string }[], refuse: 0 };
let verifier: Server;
let service: { baseURL: string; stop: () => void };
let browser: Browser;

beforeAll(async () => {
	verifier = createServer(async (req, res) => {
		const chunks: Buffer[] = [];
		for await (const c of req) chunks.push(c as Buffer);
		const form = await new Response(Buffer.concat(chunks), {
			headers: { "content-type": req.headers["content-type"] ?? "" },
		}).formData();
		const asked = { secret: String(form.get("secret")), response: String(form.get("response")) };
		siteverify.asked.push(asked);
		const success = asked.secret === SECRET && asked.response.startsWith("stand-in-token-") && siteverify.refuse-- <= 0;
		res.writeHead(200, { "content-type": "application/json" });
		res.end(
			JSON.stringify(success ? { success: true } : { success: false, "error-codes": ["invalid-input-response"] }),
		);
	});
	await new Promise<void>((r) => verifier.listen(0, "127.0.0.1", r));
	const address = verifier.address();
	const port = typeof address === "object" && address ? address.port : 0;
	service = await startService({
		vars: {
			TURNSTILE_SECRET: SECRET,
			TURNSTILE_SITE_KEY: SITE_KEY,
			TURNSTILE_SITEVERIFY_URL: `http://127.0.0.1:${port}/siteverify`,
		},
	});
	browser = await launch();
}, 240_000);

afterAll(async () => {
	await browser?.close();
	service?.stop();
	await new Promise((r) => verifier?.close(r));
});

/**
 * A page of the Turnstile service whose foreign requests are answered here: Turnstile's script by
 * the stand-in, anything else refused and recorded.
 */
async function turnstilePage(locale: string) {
	const session = await open(browser, { locale });
	const foreign: string[] = [];
	const origin = new URL(service.baseURL).origin;
	await session.context.route("**/*", async (route) => {
		const url = route.request().url();
		if (url === SCRIPT) return route.fulfill({ status: 200, contentType: "text/javascript", body: STAND_IN });
		if (new URL(url).origin === origin || url.startsWith("data:")) return route.continue();
		foreign.push(url);
		return route.abort();
	});
	// The CF-Turnstile-Response header of each token issuance.
	const sent: (string | undefined)[] = [];
	session.page.on("request", (r: PlaywrightRequest) => {
		if (r.method() === "POST" && new URL(r.url()).pathname === "/api/v1/participants")
			sent.push(r.headers()["cf-turnstile-response"]);
	});
	await session.page.goto(`${service.baseURL}/`);
	await session.page.waitForSelector("#start:not([disabled])");
	return { ...session, foreign, sent };
}

type Calls = [string, unknown][];
const callsOf = (context: BrowserContext) =>
	context.pages()[0]?.evaluate(() => (window as unknown as { __turnstileCalls?: Calls }).__turnstileCalls ?? []);

describe("the participant page with Turnstile on", () => {
	it("renders the widget in the page's language and sends its token when the participant begins", async () => {
		siteverify.asked = [];
		siteverify.refuse = 0;
		const { context, page, foreign, sent, requests } = await turnstilePage("zh-TW");
		expect(await page.getAttribute('meta[name="turnstile-site-key"]', "content")).toBe(SITE_KEY);
		await page.click("#start");
		await page.waitForSelector("#name");
		const calls = (await callsOf(context)) ?? [];
		expect(calls.filter(([what]) => what === "render")).toEqual([
			[
				"render",
				{
					sitekey: SITE_KEY,
					language: "zh-tw",
					appearance: "interaction-only",
					execution: "execute",
					action: "participate",
				},
			],
		]);
		const tokens = calls.filter(([what]) => what === "token").map(([, token]) => token);
		expect(tokens).toHaveLength(1);
		expect(sent).toEqual(tokens);
		expect(siteverify.asked).toEqual([{ secret: SECRET, response: tokens[0] }]);
		expect(requests.filter((u) => u === SCRIPT)).toHaveLength(1);
		expect(foreign).toEqual([]);
		await context.close();
	});

	it("resets the widget and tries once more with a fresh token when the service refuses one", async () => {
		siteverify.asked = [];
		siteverify.refuse = 1;
		const { context, page, foreign, sent } = await turnstilePage("en-GB");
		await page.click("#start");
		await page.waitForSelector("#name");
		const calls = (await callsOf(context)) ?? [];
		expect(calls.map(([what]) => what)).toEqual(["render", "execute", "token", "reset", "execute", "token"]);
		const tokens = calls.filter(([what]) => what === "token").map(([, token]) => token);
		expect(sent).toEqual(tokens);
		expect(siteverify.asked.map((a) => a.response)).toEqual(tokens);
		const kept = await page.evaluate(() =>
			Object.entries(localStorage)
				.filter(([k]) => k.startsWith("baizu:v1:"))
				.map(([, v]) => JSON.parse(v).token ?? null),
		);
		expect(kept.filter(Boolean)).toHaveLength(1);
		expect(foreign).toEqual([]);
		await context.close();
	});

	it("says so in the page's language, and issues nothing, when the check keeps failing", async () => {
		siteverify.asked = [];
		siteverify.refuse = 2;
		const { context, page, foreign, sent } = await turnstilePage("en-GB");
		await page.click("#start");
		const alert = page.locator("#stage .error[role=alert]");
		await alert.waitFor();
		expect(await alert.textContent()).toBe(
			"The check that you are a person could not be completed. Please reload the page and try again.",
		);
		expect(sent).toHaveLength(2);
		expect(siteverify.asked).toHaveLength(2);
		expect(await page.isEnabled("#start")).toBe(true);
		const stored = await page.evaluate(() =>
			Object.entries(localStorage)
				.filter(([k]) => k.startsWith("baizu:v1:"))
				.map(([, v]) => JSON.parse(v).token ?? null),
		);
		expect(stored.filter(Boolean)).toEqual([]);
		expect(foreign).toEqual([]);
		await context.close();
	});
});
