import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { holderOf } from "../../src/auth/named-tokens";
import { issueParticipantToken, newParticipantId, verifyParticipantToken } from "../../src/auth/participant-token";
import { requireTurnstile } from "../../src/auth/turnstile";
import { normaliseText, parseHoldWords, prepareBlessing } from "../../src/domain/blessing-text";
import { ceremonyDate, ceremonyName, nextCeremonyYear, sexagenaryYear } from "../../src/domain/calendar";
import { certificateSvg } from "../../src/domain/certificate-svg";
import { isRegionCode } from "../../src/domain/regions";
import {
	aggregatorCount,
	aggregatorIndexFor,
	parseActionId,
	shardIndexFor,
	shardsOfAggregator,
} from "../../src/domain/shard-routing";
import type { AppEnv } from "../../src/http/app-env";
import { csvField, toCsv } from "../../src/http/csv";
import { onError } from "../../src/http/errors";

describe("the ceremony calendar", () => {
	it("puts the ceremony on the 3rd day of the 3rd lunar month, with its sexagenary year", () => {
		expect([2026, 2027, 2028].map((y) => [ceremonyDate(y), sexagenaryYear(y)])).toEqual([
			["2026-04-19", "丙午"],
			["2027-04-09", "丁未"],
			["2028-03-28", "戊申"],
		]);
		expect(ceremonyName(2027)["zh-Hans"]).toBe("丁未年黄帝故里拜祖大典");
		expect(ceremonyName(2027)["zh-Hant"]).toBe("丁未年黃帝故里拜祖大典");
	});

	it("finds the next ceremony: 2027 after the 2026 one has passed", () => {
		expect(nextCeremonyYear(Date.parse("2026-11-23T00:00:00Z"))).toBe(2027);
		expect(nextCeremonyYear(Date.parse("2026-04-19T02:00:00Z"))).toBe(2026);
		expect(nextCeremonyYear(Date.parse("2027-04-20T00:00:00Z"))).toBe(2028);
	});
});

describe("blessing text", () => {
	it("normalises: NFKC, invisible characters out, whitespace collapsed, trimmed", () => {
		expect(normaliseText("  ＡＢＣ\u200b 国泰\n\n民安\u202e \u0007")).toBe("ABC 国泰 民安");
		expect(normaliseText("同根同祖，同源同宗！①")).toBe("同根同祖，同源同宗！1");
	});

	it("keeps both scripts, whichever one was written", () => {
		expect(prepareBlessing("祝愿祖国繁荣昌盛", [])).toEqual({
			hans: "祝愿祖国繁荣昌盛",
			hant: "祝願祖國繁榮昌盛",
			held: false,
		});
		expect(prepareBlessing("祝願祖國繁榮昌盛", []).hans).toBe("祝愿祖国繁荣昌盛");
	});

	it("holds a blessing whose words are on the list, in either script and any case", () => {
		const words = parseHoldWords("广告, SPAM ,");
		expect(prepareBlessing("看廣告", words).held).toBe(true);
		expect(prepareBlessing("no Spam here", words).held).toBe(true);
		expect(prepareBlessing("国泰民安", words).held).toBe(false);
	});
});

describe("tokens", () => {
	it("verifies what it issued and refuses anything altered", async () => {
		const id = newParticipantId();
		const token = await issueParticipantToken(id, "secret-a");
		expect(await verifyParticipantToken(token, "secret-a")).toBe(id);
		expect(await verifyParticipantToken(token, "secret-b")).toBeNull();
		expect(await verifyParticipantToken(`${token}x`, "secret-a")).toBeNull();
		const flipped = token.slice(0, -1) + (token.endsWith("A") ? "B" : "A");
		expect(await verifyParticipantToken(flipped, "secret-a")).toBeNull();
		expect(await verifyParticipantToken(`${newParticipantId()}.${token.split(".")[1]}`, "secret-a")).toBeNull();
	});

	it("refuses every other spelling of the same signature bytes", async () => {
		const id = newParticipantId();
		const token = await issueParticipantToken(id, "secret-a");
		const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
		for (const last of alphabet) {
			const variant = token.slice(0, -1) + last;
			if (variant !== token) expect(await verifyParticipantToken(variant, "secret-a")).toBeNull();
		}
	});

	it("accepts a token signed by the older of two keys during a rotation", async () => {
		const id = newParticipantId();
		const old = await issueParticipantToken(id, "secret-old");
		expect(await verifyParticipantToken(old, "secret-new secret-old")).toBe(id);
	});

	it("names the committee member a token belongs to", () => {
		const configured = "ada:token-of-ada-123, bo:token-of-bo-456";
		expect(holderOf("token-of-bo-456", configured)).toEqual({ name: "bo" });
		expect(holderOf("token-of-bo-45", configured)).toBeNull();
		expect(holderOf("", configured)).toBeNull();
	});
});

describe("small pieces", () => {
	it("routes a participant to the same shard every time, spread over all shards", () => {
		const ids = Array.from({ length: 4000 }, () => newParticipantId());
		expect(ids.map((id) => shardIndexFor(id, 8))).toEqual(ids.map((id) => shardIndexFor(id, 8)));
		const perShard = new Array(8).fill(0);
		for (const id of ids) perShard[shardIndexFor(id, 8)]++;
		expect(Math.min(...perShard)).toBeGreaterThan(350);
		expect(parseActionId("3-1042")).toEqual({ shardIndex: 3, seq: 1042 });
		expect(parseActionId("3-x")).toBeNull();
	});

	it("validates regions against ISO 3166-1", () => {
		expect(["CN", "TW", "US", "JP"].every(isRegionCode)).toBe(true);
		expect(["XX", "ZZ", "cn", "CHN", ""].some(isRegionCode)).toBe(false);
	});

	it("escapes every text in the certificate", () => {
		const svg = certificateSvg({
			ceremonyName: "丁未年黄帝故里拜祖大典",
			date: "2027-04-09",
			number: 1234567,
			displayName: `<script>alert("x")</script>&`,
			locale: "zh-Hans",
		});
		expect(svg).not.toContain("<script>");
		// The name may be set on two lines; together they are the whole name, escaped.
		const nameLines = [...svg.matchAll(/<text class="name"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
		expect(nameLines.join("")).toBe("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;");
		expect(svg).toContain("您是第 1,234,567 位网上拜祖者");
	});

	it("writes CSV that a spreadsheet will not run as a formula", () => {
		expect(csvField("=HYPERLINK(1)")).toBe("'=HYPERLINK(1)");
		expect(csvField("a,b")).toBe('"a,b"');
		expect(toCsv(["a", "b"], [[1, 'x"y']])).toBe('a,b\r\n1,"x""y"\r\n');
	});
});

describe("the optional Turnstile check", () => {
	const app = new Hono<AppEnv>();
	app.onError(onError);
	app.post("/issue", requireTurnstile, (c) => c.text("issued"));
	const post = (env: Partial<Env>, headers: Record<string, string> = {}) =>
		app.request("/issue", { method: "POST", headers }, env as Env);

	it("is off without a secret (locally and in tests): nothing calls out", async () => {
		expect(await (await post({})).text()).toBe("issued");
	});

	it("with a secret, refuses a request without a Turnstile token, unless a committee member asks", async () => {
		const refused = await post({ TURNSTILE_SECRET: "secret" });
		expect(refused.status).toBe(403);
		expect(await refused.json()).toMatchObject({ type: "/problems/turnstile-required" });
		const env = { TURNSTILE_SECRET: "secret", COMMITTEE_TOKENS: "ada:committee-token-1" };
		expect((await post(env, { authorization: "Bearer committee-token-1" })).status).toBe(200);
	});
});

describe("shard routing golden values", () => {
	// A change of the hash would move every participant of an open ceremony to another shard.
	const golden: Array<[string, number[]]> = [
		["AAAAAAAAAAAAAAAAAAAAAA", [3, 3, 27, 155, 411]],
		["kq3yP0v7Qe2rZ9xW4mT1bA", [1, 1, 25, 217, 985]],
		["_-_-_-_-_-_-_-_-_-_-_w", [3, 3, 51, 115, 883]],
		["Zx9Lm2Qp8Rt4Vw6Yb1Nc3D", [1, 5, 53, 245, 245]],
	];
	it.each(golden)("shardIndexFor(%s) at S = 4, 8, 64, 256, 1024", (id, expected) => {
		expect([4, 8, 64, 256, 1024].map((s) => shardIndexFor(id, s))).toEqual(expected);
	});

	it("groups shards by sixteen under an aggregator", () => {
		expect(aggregatorCount(4)).toBe(1);
		expect(aggregatorCount(64)).toBe(4);
		expect(aggregatorCount(1024)).toBe(64);
		expect(aggregatorIndexFor(15)).toBe(0);
		expect(aggregatorIndexFor(16)).toBe(1);
		expect(shardsOfAggregator(3, 50)).toEqual([48, 49]);
	});
});
