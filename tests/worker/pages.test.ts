import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import headersFile from "../../public/_headers?raw";
import { app } from "../../src/app";
import { PAGE_HEADERS } from "../../src/pages/headers";
import { preferredTags } from "../../src/pages/language";
import { act, call, newParticipant, YEAR } from "./helpers";

const page = (path: string, headers: Record<string, string> = {}) => call(path, { headers });

describe("the participant page as the Worker sends it", () => {
	it("carries the first view, the welcome step, in the reader's language", async () => {
		for (const [accept, lang, heading, start] of [
			["zh-CN,zh;q=0.9", "zh-Hans", "丁未年黄帝故里拜祖大典", "开始拜祖"],
			["zh-TW,zh;q=0.9,en;q=0.5", "zh-Hant", "丁未年黃帝故里拜祖大典", "開始拜祖"],
			["en-GB,en;q=0.9", "en", "Yellow Emperor Hometown Ancestor Worship Ceremony", "Begin"],
		] as const) {
			const res = await page("/", { "accept-language": accept });
			expect(res.status).toBe(200);
			expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
			expect(res.headers.get("vary")).toBe("Accept-Language, Cookie");
			const html = await res.text();
			expect(html).toContain(`<html lang="${lang}">`);
			expect(html).toMatch(new RegExp(`<h1 id="step-heading" tabindex="-1">${heading}`));
			expect(html).toMatch(
				new RegExp(`<button type="button" class="primary" id="start"( disabled)?>${start}</button>`),
			);
			expect(html).toMatch(new RegExp(`data-first-view="${lang}:[0-9a-z]+"`));
			expect(html).not.toContain("正在载入");
			expect(html).not.toContain('data-i18n="loading"');
		}
	});

	it("prefers ?lang=, then the language chosen on the page (its cookie), then Accept-Language", async () => {
		const zh = { "accept-language": "zh-CN" };
		expect(await (await page("/?lang=en", zh)).text()).toContain('<html lang="en">');
		expect(await (await page("/", { ...zh, cookie: "baizu-lang=zh-Hant" })).text()).toContain('<html lang="zh-Hant">');
		expect(await (await page("/", { ...zh, cookie: "baizu-lang=xx" })).text()).toContain('<html lang="zh-Hans">');
		expect(await (await page("/", { "accept-language": "fr-FR" })).text()).toContain('<html lang="en">');
		expect(preferredTags("fr;q=0.9, zh-TW;q=0.95, en;q=0")).toEqual(["zh-TW", "fr"]);
	});

	it("has the headers public/_headers gives every page", async () => {
		const block = headersFile.split(/\n(?=\S)/).find((b) => b.startsWith("/*\n")) ?? "";
		const fromFile = Object.fromEntries(
			block
				.split("\n")
				.slice(1)
				.map((line) => line.trim())
				.filter(Boolean)
				.map((line) => {
					const at = line.indexOf(":");
					return [line.slice(0, at).toLowerCase(), line.slice(at + 1).trim()];
				}),
		);
		expect(PAGE_HEADERS).toEqual(fromFile);
		const res = await page("/");
		for (const [name, value] of Object.entries(PAGE_HEADERS)) expect(res.headers.get(name)).toBe(value);
	});

	it("sends the first form of certificate links (/?c=&y=) to the share page", async () => {
		const res = await call("/?c=q3J0Xr1u2iV9bS4cTq5W7A&y=2027", { redirect: "manual" });
		expect(res.status).toBe(301);
		expect(new URL(res.headers.get("location") ?? "", "https://x").pathname).toBe("/c/2027/q3J0Xr1u2iV9bS4cTq5W7A");
	});
});

/** The participant page under a configuration with some vars changed (undefined: not set). */
async function pageUnder(config: Partial<Env>): Promise<Response> {
	const ctx = createExecutionContext();
	const changed: Env = { ...env, ...config };
	for (const [key, value] of Object.entries(config)) if (value === undefined) delete changed[key as keyof Env];
	const res = await app.fetch(
		new Request("https://baizu.example/", { headers: { "accept-language": "en" } }),
		changed,
		ctx,
	);
	await waitOnExecutionContext(ctx);
	return res;
}

/** A Content-Security-Policy as its directives. */
const directives = (csp: string | null) =>
	Object.fromEntries(
		(csp ?? "")
			.split(";")
			.map((d) => d.trim().split(/\s+/))
			.filter((d) => d[0])
			.map(([name, ...sources]) => [name, sources]),
	);

describe("the participant page and Cloudflare Turnstile", () => {
	const SITE_KEY = "1x00000000000000000000AA";
	const TURNSTILE = "https://challenges.cloudflare.com";
	const on = { TURNSTILE: undefined, TURNSTILE_SECRET: "a-turnstile-secret", TURNSTILE_SITE_KEY: SITE_KEY };

	it("carries the site key, and lets exactly Turnstile's script and frame in, when issuance checks Turnstile", async () => {
		const res = await pageUnder(on);
		expect(res.status).toBe(200);
		const html = await res.text();
		expect(html).toContain(`<meta name="turnstile-site-key" content="${SITE_KEY}">`);
		// The script is loaded by the page when idle, never by the HTML.
		expect(html).not.toContain(`<script src="${TURNSTILE}`);
		expect(html).toContain('data-i18n="footer.noteTurnstile">For taking part, this page loads Cloudflare Turnstile');
		const policy = directives(res.headers.get("content-security-policy"));
		const base = directives(PAGE_HEADERS["content-security-policy"] ?? "");
		expect(policy).toEqual({ ...base, "script-src": ["'self'", TURNSTILE], "frame-src": [TURNSTILE] });
	});

	it("carries no site key and keeps the strict policy when Turnstile is off, has no secret, or has no site key", async () => {
		for (const config of [
			{},
			{ ...on, TURNSTILE: "off" },
			{ ...on, TURNSTILE_SECRET: undefined },
			{ ...on, TURNSTILE_SITE_KEY: undefined },
		]) {
			const res = await pageUnder(config);
			expect(res.status).toBe(200);
			const html = await res.text();
			expect(html).not.toContain("turnstile-site-key");
			expect(html).not.toContain("challenges.cloudflare.com");
			expect(html).toContain('data-i18n="footer.note">This page loads nothing from other sites');
			expect(res.headers.get("content-security-policy")).toBe(PAGE_HEADERS["content-security-policy"]);
		}
	});

	it("writes the site key as an attribute value, escaped", async () => {
		const html = await (await pageUnder({ ...on, TURNSTILE_SITE_KEY: '0x4"><script>x</script>' })).text();
		expect(html).toContain('<meta name="turnstile-site-key" content="0x4&quot;&gt;&lt;script&gt;x&lt;/script&gt;">');
	});
});

describe("a certificate's share page", () => {
	it("previews with a title and a description in the sharer's language", async () => {
		const p = await newParticipant();
		expect((await act(p.token, "share-page-flower", { type: "flower" })).status).toBe(201);
		const named = await call(`/api/v1/ceremonies/${YEAR}/participants/me`, {
			method: "PUT",
			headers: { authorization: `Bearer ${p.token}` },
			json: { displayName: '李"<明>' },
		});
		expect(named.status).toBe(200);
		const { certificate } = await named.json<{ certificate: { number: number } }>();

		const zh = await page(`/c/${YEAR}/${p.participantId}?lang=zh-Hans`);
		expect(zh.status).toBe(200);
		expect(zh.headers.get("content-security-policy")).toBe(PAGE_HEADERS["content-security-policy"]);
		const html = await zh.text();
		const meta = (attr: string, key: string) =>
			html.match(new RegExp(`<meta ${attr}="${key}" content="([^"]*)">`))?.[1] ?? null;
		expect(meta("property", "og:title")).toBe("拜祖纪念证书 · 李&quot;&lt;明&gt;");
		expect(meta("property", "og:description")).toContain(`第 ${certificate.number} 位网上拜祖者`);
		expect(meta("name", "twitter:card")).toBe("summary");
		expect(meta("name", "twitter:title")).toBe(meta("property", "og:title"));
		expect(meta("name", "twitter:description")).toBe(meta("property", "og:description"));
		expect(html).toContain(`src="/api/v1/ceremonies/${YEAR}/certificates/${p.participantId}?lang=zh-Hans"`);

		const en = await (await page(`/c/${YEAR}/${p.participantId}`, { "accept-language": "en" })).text();
		expect(en).toContain('<html lang="en">');
		expect(en).toContain(`online participant No. ${certificate.number}`);
	});

	it("refuses a malformed link and answers 404 for a participant without a certificate", async () => {
		const bad = await page("/c/2027/not-an-id");
		expect(bad.status).toBe(400);
		expect(bad.headers.get("content-type")).toContain("application/problem+json");
		const p = await newParticipant();
		const none = await page(`/c/${YEAR}/${p.participantId}`);
		expect(none.status).toBe(404);
		expect((await none.json<{ type: string }>()).type).toBe("/problems/certificate-not-found");
	});
});
