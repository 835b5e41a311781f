// The Worker of `npm run bench:runtime`: each case repeats one operation of the runtime that the
// action path does or could do, so that its CPU can be set against the case it replaces.

import { DurableObject } from "cloudflare:workers";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";

const HEADER_PAIRS = [
	["content-type", "application/json"],
	["cache-control", "no-store"],
	["content-security-policy", "default-src 'none'; frame-ancestors 'none'"],
	["x-content-type-options", "nosniff"],
];
const HEADERS = new Headers(HEADER_PAIRS);
const ANSWER = JSON.stringify({ actionId: "3-12345", type: "incense", certificate: { number: 123456, url: "/x" } });
const BODY = JSON.stringify({ type: "incense", message: "願黃帝保佑" });
const SECRET = "bench-participant-token-secret";
const utf8 = new TextEncoder();
const MESSAGE = utf8.encode("participant:abcdefghijklmnopqrstuv");
const keyed = hmac.create(sha256, utf8.encode(SECRET));
const SIGNATURE = keyed.clone().update(MESSAGE).digest();
let webKey;

/** A batch of five actions as the Worker sends it to a shard. */
const BATCH = Array.from({ length: 5 }, (_, i) => ({
	participantId: "abcdefghijklmnopqrstuv",
	idempotencyKey: `key-${i}-0123456789abcdef`,
	type: "incense",
	body: "incense\n願黃帝保佑",
	blessing: { hans: "愿黄帝保佑", hant: "願黃帝保佑", held: false },
	limit: 1,
	country: "TW",
	replayOnly: false,
}));
const IDENTITY = { year: 2027, shardCount: 8, shardIndex: 3, configVersion: 1 };

export class Shard extends DurableObject {
	nothing() {
		return 1;
	}
	perform(_identity, requests) {
		return requests.map((r, i) => ({ kind: "accepted", seq: 1000 + i, type: r.type, certificate: 12345 + i }));
	}
}

const request = () =>
	new Request("http://x/api/v1/ceremonies/2027/actions", {
		method: "POST",
		body: BODY,
		headers: { "content-type": "application/json" },
	});

/** One operation of each case; the request is made in both cases of a pair that reads it. */
const CASES = {
	nothing: () => 0,
	"answer, no headers": () => new Response(ANSWER, { status: 201 }),
	"answer, headers as a list of pairs": () => new Response(ANSWER, { status: 201, headers: HEADER_PAIRS }),
	"answer, headers made once as a Headers": () => new Response(ANSWER, { status: 201, headers: HEADERS }),
	"timer that fires: scheduler.wait": () => scheduler.wait(1),
	"timer that fires: setTimeout": () => new Promise((resolve) => setTimeout(resolve, 1)),
	"timer set and cleared: setTimeout": () => clearTimeout(setTimeout(() => {}, 30_000)),
	"request, body not read": () => request(),
	"request, body read with text()": () => request().text(),
	"token HMAC: WebCrypto verify": async () => {
		webKey ??= await crypto.subtle.importKey("raw", utf8.encode(SECRET), { name: "HMAC", hash: "SHA-256" }, false, [
			"verify",
		]);
		return crypto.subtle.verify("HMAC", webKey, SIGNATURE, MESSAGE);
	},
	"token HMAC: @noble/hashes, key prepared once": () => keyed.clone().update(MESSAGE).digest(),
	"RPC to a Durable Object, no arguments": (env) => env.SHARD.getByName("a").nothing(),
	"RPC to a Durable Object, a batch of 5 actions": (env) => env.SHARD.getByName("a").perform(IDENTITY, BATCH),
};

export default {
	async fetch(req, env) {
		const url = new URL(req.url);
		const run = CASES[url.searchParams.get("case") ?? ""];
		if (!run) return new Response("no such case", { status: 404 });
		const n = Number(url.searchParams.get("n"));
		// Concurrently, as under load: timers and RPCs overlap.
		const pending = [];
		for (let i = 0; i < n; i++) {
			const result = run(env);
			if (result instanceof Promise) pending.push(result);
			if (pending.length >= 64) await Promise.all(pending.splice(0));
		}
		await Promise.all(pending);
		return new Response("ok");
	},
};
