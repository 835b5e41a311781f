import type { Context } from "hono";
import type { AppEnv } from "./app-env";

/** Public reads are fresh for a second: readers lag by at most that, the CeremonyDO sees a read per isolate per second. */
export const PUBLIC_MAX_AGE_S = 1;
const FRESH_MS = PUBLIC_MAX_AGE_S * 1000;

interface Read {
	at: number;
	settled: boolean;
	value?: unknown;
	failed?: boolean;
}

/** This isolate's reads of the last second, settled or still in flight, so concurrent misses share one. */
const recent = new Map<string, Read>();
const WAIT_LIMIT_MS = 10_000;

function forget(now: number) {
	for (const [key, entry] of recent) if (now - entry.at >= FRESH_MS) recent.delete(key);
}

/**
 * The data behind a public read: from this isolate's last second, else from the edge cache, else
 * from `load`, which runs once per key per isolate at a time. Stored as JSON under a key of its
 * own, so that every format and every conditional request is built from the same data.
 */
export async function cachedData<T>(c: Context<AppEnv>, key: string, load: () => Promise<T>): Promise<T> {
	const now = Date.now();
	const fresh = recent.get(key);
	if (fresh && !fresh.failed && now - fresh.at < FRESH_MS) {
		// Another request's read: never await its promise (it belongs to that request's I/O
		// context); wait on timers of this request's own and take the settled value, plain data.
		while (!fresh.settled && Date.now() - now < WAIT_LIMIT_MS) await scheduler.wait(2);
		if (fresh.settled && !fresh.failed) return structuredClone(fresh.value) as T;
	}
	if (recent.size > 1000) forget(now);

	const read: Read = { at: now, settled: false };
	recent.set(key, read);
	try {
		const value = await readThrough(c, key, load);
		read.value = value;
		return value;
	} catch (error) {
		// A failed read is not kept: the next request tries again.
		read.failed = true;
		recent.delete(key);
		throw error;
	} finally {
		read.settled = true;
	}
}

async function readThrough<T>(c: Context<AppEnv>, key: string, load: () => Promise<T>): Promise<T> {
	const cacheKey = new Request(new URL(`/__data/${key}`, c.req.url).toString());
	const cache = await caches.open("public-reads");
	const hit = await cache.match(cacheKey);
	if (hit) return (await hit.json()) as T;
	const loaded = await load();
	const stored = new Response(JSON.stringify(loaded), {
		headers: { "content-type": "application/json", "cache-control": `public, max-age=${PUBLIC_MAX_AGE_S}` },
	});
	c.executionCtx.waitUntil(cache.put(cacheKey, stored));
	return loaded;
}

async function etagOf(body: string): Promise<string> {
	const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(body));
	const hex = [...new Uint8Array(digest).slice(0, 12)].map((b) => b.toString(16).padStart(2, "0")).join("");
	return `"${hex}"`;
}

/** A public, cacheable answer with an ETag; a matching If-None-Match gets 304. */
export async function publicResponse(c: Context<AppEnv>, body: string, contentType: string): Promise<Response> {
	const etag = await etagOf(body);
	const headers = {
		etag,
		"cache-control": `public, max-age=${PUBLIC_MAX_AGE_S}`,
		"access-control-allow-origin": "*",
		"access-control-expose-headers": "ETag",
		vary: "Accept",
	};
	const ifNoneMatch = c.req.header("if-none-match");
	if (ifNoneMatch?.split(",").some((tag) => tag.trim() === etag || tag.trim() === `W/${etag}`)) {
		return new Response(null, { status: 304, headers });
	}
	return new Response(body, { status: 200, headers: { ...headers, "content-type": contentType } });
}
