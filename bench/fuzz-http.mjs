#!/usr/bin/env node
// `npm run fuzz:http`: sends malformed requests (bad JSON, huge bodies, wrong types, abusive
// headers, odd paths and methods, lone surrogates) to the running service on the local runtime,
// and checks that none gets a 5xx or a body that is not problem+json, and that no counter moves.
// Then two adversarial phases of well-formed requests: blessings whose hold word is disguised by
// invisible or blank characters must all be held (none on the wall), and token issuance from
// addresses rotated inside one IPv6 /64 must be limited as one address.
// Options: --requests N (10,000), --concurrency N (32), --seed N.
import { parseArgs } from "node:util";
import { Agent, fetch } from "undici";
import { audit, getJson, mintParticipants } from "./lib/load.mjs";
import { COMMITTEE_TOKEN, startService } from "./lib/server.mjs";

const { values: args } = parseArgs({
	options: {
		requests: { type: "string", default: "10000" },
		concurrency: { type: "string", default: "32" },
		seed: { type: "string", default: String(Date.now() % 1_000_000) },
	},
});
const TOTAL = Number(args.requests);

// A small seeded generator, so a failing run can be repeated with --seed.
let state = Number(args.seed) >>> 0 || 1;
const random = () => {
	state ^= state << 13;
	state ^= state >>> 17;
	state ^= state << 5;
	return (state >>> 0) / 2 ** 32;
};
const pick = (list) => list[Math.floor(random() * list.length)];
const int = (n) => Math.floor(random() * n);
const junk = (n) => Array.from({ length: n }, () => String.fromCodePoint(int(0x2ffff) + 1)).join("");
const ascii = (n) => Array.from({ length: n }, () => String.fromCharCode(32 + int(95))).join("");

const HOLD_WORDS = ["广告", "加微信", "spam"];
const service = await startService({ shards: 4, holdWords: HOLD_WORDS.join(",") });
const base = service.url;
// The ceremony the service has open now, as a client finds it.
const YEAR = (await getJson(base, "/api/v1/ceremonies/current")).year;
/** Characters that render as nothing or as blank space: each could split a hold word unseen. */
const DISGUISES = [
	"\u034f",
	"\ufe00",
	"\u{e0020}",
	"\u061c",
	"\u3164",
	"\u2800",
	"\u{e0001}",
	"\u200d",
	"\u{e0100}",
	"\u115f",
	"\uffa0",
];
console.log(`fuzzing ${base} with ${TOTAL} malformed requests (seed ${args.seed})`);

const tokens = await mintParticipants(base, 600);
// A few real actions first, so that the counters are not all zero.
for (const [i, participantToken] of tokens.slice(0, 40).entries()) {
	await fetch(`${base}/api/v1/ceremonies/${YEAR}/actions`, {
		method: "POST",
		headers: {
			authorization: `Bearer ${participantToken}`,
			"content-type": "application/json",
			"idempotency-key": `fuzz-seed-${i}`,
		},
		body: JSON.stringify(
			i % 4 === 3 ? { type: "blessing", message: "国泰民安" } : { type: pick(["flower", "incense", "bow"]) },
		),
	});
}
await new Promise((r) => setTimeout(r, 1500));
const before = await audit(base, YEAR);

const actions = `/api/v1/ceremonies/${YEAR}/actions`;
const token = () => pick(tokens);
const bodies = [
	() => "{",
	() => '{"type":',
	() => "[".repeat(5000) + "]".repeat(5000),
	() => `{"type":"flower"${",".repeat(1 + int(50))}}`,
	() => junk(int(200)),
	() => JSON.stringify({ type: int(10) }),
	() => JSON.stringify({ type: ["flower"] }),
	() => JSON.stringify({ type: "flower", message: "x" }),
	() => JSON.stringify({ type: "blessing" }),
	() => JSON.stringify({ type: "blessing", message: { text: "x" } }),
	() => JSON.stringify({ type: "blessing", message: "福".repeat(201 + int(500)) }),
	() => JSON.stringify({ type: "blessing", message: "\u200b".repeat(1 + int(20)) }),
	// Nothing visible once folded: blank and invisible characters only.
	() => JSON.stringify({ type: "blessing", message: pick(DISGUISES).repeat(1 + int(20)) }),
	// Lone surrogates, escaped in JSON (well-formed JSON, ill-formed UTF-16).
	() => `{"type":"blessing","message":"平安\\ud800"}`,
	() => `{"type":"blessing","message":"${"福".repeat(199)}\\udc00"}`,
	() => `{"type":"blessing","message":"\\udfff\\ud800"}`,
	() => JSON.stringify({ type: "incense", extra: junk(10) }),
	() => JSON.stringify({ type: "FLOWER" }),
	() => '{"type":"bow","__proto__":{"polluted":true}}',
	() => JSON.stringify({ constructor: { prototype: { x: 1 } } }),
	() => JSON.stringify({ type: "flower", message: null }),
	() => "1e309",
	() => "null",
	() => '"flower"',
	() => "x".repeat(20_000 + int(200_000)),
];
/** Idempotency keys that are all invalid: missing, empty, too short or long, or with spaces. */
const keys = [
	() => undefined,
	() => "",
	() => "short",
	() => "k".repeat(129 + int(5000)),
	() => `key with spaces ${ascii(4)}`,
	() => `tab\tin-the-key-${int(1000)}`,
];

/** A token with its last character changed: the signature no longer matches. */
const tampered = (t) => `Bearer ${t.slice(0, -1)}${t.endsWith("A") ? "B" : "A"}`;

/** One malformed request: [method, path, init]. Never a well-formed action. */
function malformed() {
	const kind = int(9);
	const request = malformedOf(kind);
	request[2].kind = kind;
	return request;
}

function malformedOf(kind) {
	switch (kind) {
		case 0: // a valid token and key, a bad body
			return [
				"POST",
				actions,
				{
					headers: {
						authorization: `Bearer ${token()}`,
						"content-type": "application/json",
						"idempotency-key": `fuzz-${ascii(12)}`,
					},
					body: pick(bodies)(),
				},
			];
		case 1: {
			// a valid body, and a bad key
			const key = pick(keys)();
			const headers = { authorization: `Bearer ${token()}`, "content-type": "application/json" };
			if (key !== undefined) headers["idempotency-key"] = key;
			return ["POST", actions, { headers, body: JSON.stringify({ type: "flower" }) }];
		}
		case 2: // forged, tampered or absurd tokens
			return [
				"POST",
				actions,
				{
					headers: {
						authorization: pick([
							tampered(token()),
							`Bearer ${ascii(int(600))}`,
							"Basic YWRtaW46YWRtaW4=",
							`Bearer ${"a".repeat(8000)}`,
							"Bearer",
						]),
						"content-type": "application/json",
						"idempotency-key": `fuzz-${ascii(12)}`,
					},
					body: JSON.stringify({ type: "flower" }),
				},
			];
		case 3: // wrong content types
			return [
				"POST",
				actions,
				{
					headers: {
						authorization: `Bearer ${token()}`,
						"content-type": pick([
							"text/plain",
							"application/x-www-form-urlencoded",
							"multipart/form-data; boundary=x",
							"application/jsonx",
							ascii(30),
						]),
						"idempotency-key": `fuzz-${ascii(12)}`,
					},
					body: "type=flower",
				},
			];
		case 4: // odd paths
			return [
				"GET",
				pick([
					`/api/v1/ceremonies/${ascii(6).replace(/[#?/]/g, "")}/stats`,
					"/api/v1/ceremonies/99999999999999999999/stats",
					"/api/v1/ceremonies/%00/actions",
					`/api/v1/ceremonies/${YEAR}/../../admin/ceremonies/${YEAR}/audit`,
					`/api/v1/ceremonies/${YEAR}/stats/timeseries?interval=${ascii(3)}&from=${ascii(10)}`,
					`/api/v1/ceremonies/${YEAR}/stats/timeseries?from=1970-01-01T00:00:00Z&to=2100-01-01T00:00:00Z`,
					`/api/v1/ceremonies/${YEAR}/blessings?limit=${int(100000) - 500}&cursor=${encodeURIComponent(ascii(20))}`,
					`/api/v1/ceremonies/${YEAR}/certificates/${encodeURIComponent(ascii(22))}`,
					`/api/v1/ceremonies/${YEAR}/certificates/${"A".repeat(22)}?lang=${ascii(4)}`,
					`/api/v1/ceremonies/${YEAR}/stats?format=xml`,
				]),
				{},
			];
		case 5: // committee endpoints without a committee
			return [
				pick(["GET", "POST", "PUT"]),
				pick([
					`/api/v1/admin/ceremonies/${YEAR}/audit`,
					`/api/v1/admin/ceremonies/${YEAR}/close`,
					`/api/v1/admin/ceremonies/${YEAR}`,
					"/api/v1/admin/tickets",
					`/api/v1/admin/ceremonies/${YEAR}/blessings/${ascii(5)}/hide`,
					`/api/v1/admin/ceremonies/${YEAR}/live?ticket=${encodeURIComponent(ascii(80))}`,
				]),
				{
					headers: {
						authorization: pick([`Bearer ${token()}`, "Bearer wrong-committee-token", ""]),
						"content-type": "application/json",
					},
					body: undefined,
				},
			];
		case 6: // a committee member's token with bad input
			return [
				"PUT",
				`/api/v1/admin/ceremonies/${YEAR}`,
				{
					headers: { authorization: `Bearer ${COMMITTEE_TOKEN}`, "content-type": "application/json" },
					body: pick([
						JSON.stringify({ shardCount: -1 }),
						JSON.stringify({ window: { opensAt: ascii(10) } }),
						JSON.stringify({ rites: [] }),
						JSON.stringify({ liveStreamUrl: "javascript:alert(1)" }),
						JSON.stringify({ shardCount: 99 }),
						"{",
					]),
				},
			];
		case 7: // profile changes that are invalid
			return [
				"PUT",
				`/api/v1/ceremonies/${YEAR}/participants/me`,
				{
					headers: { authorization: `Bearer ${token()}`, "content-type": "application/json" },
					body: pick([
						JSON.stringify({ region: "ZZ" }),
						JSON.stringify({ region: "cn" }),
						JSON.stringify({ displayName: "名".repeat(40) }),
						JSON.stringify({ displayName: 5 }),
						`{"displayName":"${"名".repeat(31)}\\ud800"}`,
						JSON.stringify({ displayName: pick(DISGUISES).repeat(1 + int(5)) }),
						"[]",
					]),
				},
			];
		default: // wrong methods and abusive headers
			return [
				pick(["PATCH", "DELETE", "PUT", "OPTIONS"]),
				pick([actions, `/api/v1/ceremonies/${YEAR}/stats`, "/api/v1/participants", "/healthz"]),
				{
					headers: {
						"if-none-match": "x".repeat(int(8000)),
						"x-dev-country": ascii(40),
						accept: ascii(100),
						"content-type": "application/json",
					},
					body: undefined,
				},
			];
	}
}

const statuses = new Map();
const failures = [];
// No connection is reused, so a dropped connection belongs to exactly one request.
const oneConnectionPerRequest = new Agent({ pipelining: 0 });
let sent = 0;
let dropped = 0;
async function worker() {
	while (sent < TOTAL) {
		sent++;
		const [method, path, init] = malformed();
		const body = method === "GET" || method === "OPTIONS" ? undefined : init.body;
		let res;
		try {
			res = await fetch(`${base}${path}`, {
				method,
				headers: init.headers ?? {},
				body,
				dispatcher: oneConnectionPerRequest,
			});
		} catch (error) {
			// The server may close a connection while a refused body is still being sent: the answer
			// was a refusal, not a fault, so only a failure without a huge body counts.
			if (String(body ?? "").length > 8192) {
				dropped++;
				continue;
			}
			failures.push({ kind: init.kind, method, path, cause: String(error?.cause ?? error) });
			continue;
		}
		statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
		if (res.status === 201 && !path.endsWith("/participants"))
			failures.push({
				kind: init.kind,
				method,
				path,
				status: 201,
				headers: init.headers,
				body: String(body).slice(0, 100),
			});
		const text = await res.text();
		const type = res.headers.get("content-type") ?? "";
		if (res.status >= 500) failures.push({ method, path, status: res.status, text: text.slice(0, 200) });
		else if (res.status >= 400 && !type.startsWith("application/problem+json")) {
			failures.push({ method, path, status: res.status, type, text: text.slice(0, 120) });
		}
	}
}
const started = Date.now();
await Promise.all(Array.from({ length: Number(args.concurrency) }, worker));
await new Promise((r) => setTimeout(r, 1500));
const after = await audit(base, YEAR);
const stats = await getJson(base, `/api/v1/ceremonies/${YEAR}/stats?after`);

// Disguised hold words: every one is counted (201) and held, none reaches the wall.
const disguised = [];
for (const [i, mark] of DISGUISES.entries()) {
	for (const word of HOLD_WORDS) {
		const graphemes = [...word];
		const cut = 1 + int(graphemes.length - 1);
		const split = `${graphemes.slice(0, cut).join("")}${mark}${graphemes.slice(cut).join("")}`;
		disguised.push(`祈福 ${i % 2 ? split.toUpperCase() : split} ${disguised.length}`);
	}
}
const disguisedTokens = await mintParticipants(base, disguised.length);
const disguisedStatuses = await Promise.all(
	disguised.map(async (message, i) => {
		const res = await fetch(`${base}${actions}`, {
			method: "POST",
			headers: {
				authorization: `Bearer ${disguisedTokens[i]}`,
				"content-type": "application/json",
				"idempotency-key": `fuzz-disguise-${i}`,
			},
			body: JSON.stringify({ type: "blessing", message }),
		});
		await res.arrayBuffer();
		return res.status;
	}),
);
await new Promise((r) => setTimeout(r, 2500));
const heldQueue = await getJson(base, `/api/v1/admin/ceremonies/${YEAR}/blessings?state=held&limit=100`, {
	authorization: `Bearer ${COMMITTEE_TOKEN}`,
});
const wall = await getJson(base, `/api/v1/ceremonies/${YEAR}/blessings?limit=100`);
const endsOf = (items) => new Set(items.map((b) => Number(b.text["zh-Hans"].split(" ").at(-1))));
const heldEnds = endsOf(heldQueue.items.filter((b) => b.text["zh-Hans"].startsWith("祈福 ")));
const wallEnds = endsOf(wall.items.filter((b) => b.text["zh-Hans"].startsWith("祈福 ")));
const disguisedHeld = disguised.every((_, n) => heldEnds.has(n)) && wallEnds.size === 0;
console.log(
	`disguised hold words: ${disguised.length} sent (${[...new Set(disguisedStatuses)].join(", ")}), ${heldEnds.size} held, ${wallEnds.size} on the wall`,
);

// Token issuance from addresses rotated inside one IPv6 /64 is limited as one address.
let issuedInPrefix = 0;
let limitedInPrefix = false;
const prefix = `2001:db8:${int(0xffff).toString(16)}:7`;
for (let n = 1; n <= 300 && !limitedInPrefix; n++) {
	const res = await fetch(`${base}/api/v1/participants`, {
		method: "POST",
		headers: {
			"content-type": "application/json",
			"cf-connecting-ip": `${prefix}:${int(0xffff).toString(16)}::${n.toString(16)}`,
		},
		body: "{}",
	});
	await res.arrayBuffer();
	if (res.status === 201) issuedInPrefix++;
	else limitedInPrefix = res.status === 429;
}
console.log(`addresses rotated inside one /64: ${issuedInPrefix} tokens, then ${limitedInPrefix ? "429" : "no limit"}`);
await service.stop();

console.log(`sent ${TOTAL} in ${((Date.now() - started) / 1000).toFixed(1)} s; answers by status:`);
console.log(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])));
console.log(`connections closed by the server while an oversized body was still being sent: ${dropped}`);
const unchanged =
	JSON.stringify(before.recount) === JSON.stringify(after.recount) &&
	JSON.stringify(before.totals) === JSON.stringify(after.totals);
console.log(
	`counters unchanged: ${unchanged} (participants ${stats.participants}, actions ${JSON.stringify(stats.actions)}); audit match: ${after.match}`,
);
if (failures.length > 0) {
	console.log(`${failures.length} failures, first ones:`);
	const byKind = {};
	for (const f of failures)
		byKind[`${f.kind}:${f.status ?? f.cause}`] = (byKind[`${f.kind}:${f.status ?? f.cause}`] ?? 0) + 1;
	console.log(byKind);
	console.log(failures.filter((f) => f.status).slice(0, 5));
}
const disguisedCounted = disguisedStatuses.every((status) => status === 201);
if (failures.length > 0 || !unchanged || !after.match || !disguisedHeld || !disguisedCounted || !limitedInPrefix)
	process.exit(1);
console.log(
	"no 5xx, every error problem+json, no counter changed; every disguised hold word held; one /64 limited as one address",
);
