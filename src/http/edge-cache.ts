import type { Context } from "hono";
import type { AppEnv } from "./app-env";

/**
 * Public reads pass through one cache layer: the edge cache (Cache API), fresh for FRESH_MS. An
 * entry carries the time it was read from the CeremonyDO, and its age counts against FRESH_MS
 * wherever it is used: nothing re-caches it for another FRESH_MS. Clients are told to revalidate
 * (`no-cache`) with the ETag, so a browser's cache adds no age either: they get 304 when nothing
 * changed. Readers therefore lag the CeremonyDO by at most FRESH_MS.
 */
export const FRESH_MS = 750;
const READ_AT = "x-read-at";
export const PUBLIC_CACHE_CONTROL = "public, no-cache";

interface Read {
	settled: boolean;
	value?: unknown;
	failed?: boolean;
	/** When the data was read from the CeremonyDO: the same clock the edge cache's entries carry. */
	readAt?: number;
}

/**
 * The isolate's latest read per key, so concurrent misses share one, and requests that miss the
 * edge cache while the read's own `cache.put` is still being written do not read again. Its
 * freshness is measured from the same read time as the edge cache's entry, so it never adds age.
 */
const inFlight = new Map<string, Read>();
const WAIT_LIMIT_MS = 10_000;

/**
 * The data behind a public read: from the edge cache while fresh, else from `load`, which runs
 * once per key per isolate at a time. Stored as JSON under a key of its own, so that every format
 * and every conditional request is built from the same data.
 */
export async function cachedData<T>(c: Context<AppEnv>, key: string, load: () => Promise<T>): Promise<T> {
	const shared = inFlight.get(key);
	if (shared) {
		// Another request's read: never await its promise (it belongs to that request's I/O
		// context); wait on timers of this request's own and take the settled value, plain data.
		const startedAt = Date.now();
		while (!shared.settled && Date.now() - startedAt < WAIT_LIMIT_MS) await scheduler.wait(2);
		if (shared.settled && !shared.failed && Date.now() - (shared.readAt ?? 0) < FRESH_MS) {
			return structuredClone(shared.value) as T;
		}
	}
	const read: Read = { settled: false };
	inFlight.set(key, read);
	try {
		const { value, readAt } = await readThrough(c, key, load);
		read.value = value;
		read.readAt = readAt;
		return value;
	} catch (error) {
		read.failed = true;
		if (inFlight.get(key) === read) inFlight.delete(key);
		throw error;
	} finally {
		read.settled = true;
	}
}

async function readThrough<T>(
	c: Context<AppEnv>,
	key: string,
	load: () => Promise<T>,
): Promise<{ value: T; readAt: number }> {
	const cacheKey = new Request(new URL(`/__data/${key}`, c.req.url).toString());
	const cache = await caches.open("public-reads");
	const hit = await cache.match(cacheKey);
	const hitReadAt = Number(hit?.headers.get(READ_AT));
	if (hit && Date.now() - hitReadAt < FRESH_MS) return { value: (await hit.json()) as T, readAt: hitReadAt };
	const readAt = Date.now();
	const loaded = await load();
	const stored = new Response(JSON.stringify(loaded), {
		// The Cache API counts whole seconds; READ_AT is what decides freshness.
		headers: { "content-type": "application/json", "cache-control": "public, max-age=2", [READ_AT]: String(readAt) },
	});
	c.executionCtx.waitUntil(cache.put(cacheKey, stored));
	return { value: loaded, readAt };
}

async function etagOf(body: string): Promise<string> {
	const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(body));
	const hex = [...new Uint8Array(digest).slice(0, 12)].map((b) => b.toString(16).padStart(2, "0")).join("");
	return `"${hex}"`;
}

/** A public answer with an ETag that clients revalidate; a matching If-None-Match gets 304. */
export async function publicResponse(c: Context<AppEnv>, body: string, contentType: string): Promise<Response> {
	const etag = await etagOf(body);
	const headers = {
		etag,
		"cache-control": PUBLIC_CACHE_CONTROL,
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
