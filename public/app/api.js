/** The service's HTTP API (same origin, base /api/v1). Errors are problem+json. */
import { sleep } from "./dom.js";
import { humanCheck } from "./turnstile.js";

const BASE = "/api/v1";

/** A response that is not 2xx. `problem` is the parsed problem+json body, if any. */
export class HttpError extends Error {
	/**
	 * @param {number} status
	 * @param {any} problem
	 * @param {Headers} headers
	 */
	constructor(status, problem, headers) {
		super(problem?.detail || problem?.title || `HTTP ${status}`);
		this.status = status;
		this.problem = problem;
		this.headers = headers;
	}
}

/** The request never got an answer (offline, DNS, connection reset, aborted). */
export class NetworkError extends Error {}

/**
 * @param {string} path below /api/v1
 * @param {{method?: string, body?: unknown, token?: string | null, headers?: Record<string, string>, cache?: RequestCache}} [opts]
 * @returns {Promise<{status: number, data: any, headers: Headers}>}
 */
export async function api(path, opts = {}) {
	/** @type {Record<string, string>} */
	const headers = { Accept: "application/json", ...(opts.headers || {}) };
	if (opts.body !== undefined) headers["Content-Type"] = "application/json";
	if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
	let res;
	try {
		res = await fetch(BASE + path, {
			method: opts.method || "GET",
			headers,
			body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
			cache: opts.cache,
			credentials: "omit",
		});
	} catch (e) {
		throw new NetworkError(String(e));
	}
	const type = res.headers.get("Content-Type") || "";
	let data = null;
	if (type.includes("json")) {
		try {
			data = await res.json();
		} catch (e) {
			if (res.ok) throw new NetworkError(`truncated body: ${e}`);
		}
	}
	if (!res.ok) throw new HttpError(res.status, data, res.headers);
	return { status: res.status, data, headers: res.headers };
}

/**
 * Delay before the next attempt: Retry-After when the server gave one, else exponential backoff
 * with jitter, capped at 30 s.
 * @param {number} attempt 1-based
 * @param {Headers | undefined} headers
 */
export function retryDelay(attempt, headers) {
	const ra = headers?.get("Retry-After");
	const base = Math.min(30_000, 1000 * 2 ** (attempt - 1));
	const jittered = base / 2 + Math.random() * (base / 2);
	if (ra) {
		const secs = Number(ra);
		const fromHeader = Number.isFinite(secs) ? secs * 1000 : Date.parse(ra) - Date.now();
		if (Number.isFinite(fromHeader) && fromHeader > 0) return Math.min(60_000, Math.max(fromHeader, 250));
	}
	return jittered;
}

/** @param {unknown} e */
export function isRetryable(e) {
	if (e instanceof NetworkError) return true;
	return e instanceof HttpError && [408, 425, 429, 500, 502, 503, 504].includes(e.status);
}

/**
 * Waits `ms`, or less when the browser comes back online or `wake` resolves.
 * @param {number} ms
 * @param {Promise<void>} [wake]
 */
async function pause(ms, wake) {
	/** @type {() => void} */
	let done = () => {};
	const online = new Promise((r) => {
		done = () => r(undefined);
		window.addEventListener("online", done, { once: true });
	});
	await Promise.race([sleep(ms), online, wake].filter(Boolean));
	window.removeEventListener("online", done);
}

/**
 * Calls `fn` until it succeeds or fails with an error that is not retryable.
 * @template T
 * @param {() => Promise<T>} fn
 * @param {{onRetry?: (attempt: number, error: unknown) => void, wake?: () => Promise<void>, maxAttempts?: number}} [opts]
 * @returns {Promise<T>}
 */
export async function withRetry(fn, opts = {}) {
	for (let attempt = 1; ; attempt++) {
		try {
			return await fn();
		} catch (e) {
			if (!isRetryable(e) || (opts.maxAttempts && attempt >= opts.maxAttempts)) throw e;
			opts.onRetry?.(attempt, e);
			await pause(retryDelay(attempt, e instanceof HttpError ? e.headers : undefined), opts.wake?.());
		}
	}
}

/** @returns {Promise<any>} the current (or next) ceremony */
export async function getCurrentCeremony() {
	return (await withRetry(() => api("/ceremonies/current"), { maxAttempts: 4 })).data;
}

/**
 * @param {string} lang
 * @returns {Promise<{participantId: string, token: string}>}
 */
export async function createParticipant(lang) {
	/** @type {Record<string, string>} */
	const headers = {};
	for (let check = 0; ; check++) {
		try {
			return (
				await withRetry(() => api("/participants", { method: "POST", body: { locale: lang }, headers }), {
					maxAttempts: 6,
				})
			).data;
		} catch (e) {
			// Production asks for the Turnstile check once; the page loads the widget only then.
			const siteKey = e instanceof HttpError && e.problem?.type === "/problems/turnstile-required" && e.problem.siteKey;
			if (!siteKey || check > 0) throw e;
			headers["CF-Turnstile-Response"] = await humanCheck(siteKey, lang);
		}
	}
}

/**
 * @param {number} year
 * @param {string} token
 */
export async function getMe(year, token) {
	return (
		await withRetry(() => api(`/ceremonies/${year}/participants/me`, { token, cache: "no-store" }), { maxAttempts: 4 })
	).data;
}

/**
 * @param {number} year
 * @param {string} token
 * @param {{displayName?: string, region?: string}} body
 */
export async function putMe(year, token, body) {
	return (
		await withRetry(() => api(`/ceremonies/${year}/participants/me`, { method: "PUT", token, body }), {
			maxAttempts: 6,
		})
	).data;
}

/**
 * Sends one offering. The caller keeps `key` durable before calling, so that a retry after a
 * reload uses the same Idempotency-Key. A 409 (already done) carries the certificate and counts as
 * done.
 * @param {{year: number, token: string, type: string, message?: string, key: string}} a
 * @param {{onRetry?: (attempt: number, error: unknown) => void, wake?: () => Promise<void>}} [opts]
 * @returns {Promise<{certificate: {number: number, url: string} | null}>}
 */
export async function sendAction(a, opts) {
	/** @type {{type: string, message?: string}} */
	const body = { type: a.type };
	if (a.type === "blessing") body.message = a.message;
	return withRetry(async () => {
		try {
			const r = await api(`/ceremonies/${a.year}/actions`, {
				method: "POST",
				token: a.token,
				headers: { "Idempotency-Key": a.key },
				body,
			});
			return { certificate: r.data?.certificate ?? null };
		} catch (e) {
			if (e instanceof HttpError && e.status === 409 && e.problem?.certificate) {
				return { certificate: e.problem.certificate };
			}
			throw e;
		}
	}, opts);
}

/** @param {number} year */
export async function getStats(year) {
	return (await api(`/ceremonies/${year}/stats`, { cache: "no-cache" })).data;
}

/** @param {number} year */
export async function getRegions(year) {
	return (await api(`/ceremonies/${year}/stats/regions`, { cache: "no-cache" })).data;
}

/**
 * @param {number} year
 * @param {string | null} [cursor]
 */
export async function getBlessings(year, cursor) {
	const q = new URLSearchParams({ limit: "20" });
	if (cursor) q.set("cursor", cursor);
	return (await api(`/ceremonies/${year}/blessings?${q}`, { cache: "no-cache" })).data;
}

/**
 * @param {number} year
 * @param {string} id
 * @param {string} token
 */
export async function reportBlessing(year, id, token) {
	return (
		await withRetry(
			() => api(`/ceremonies/${year}/blessings/${encodeURIComponent(id)}/reports`, { method: "POST", token, body: {} }),
			{ maxAttempts: 4 },
		)
	).data;
}

/**
 * The certificate SVG's address for a language.
 * @param {number} year
 * @param {string} participantId
 * @param {string} lang
 */
export function certificateUrl(year, participantId, lang) {
	return `${BASE}/ceremonies/${year}/certificates/${encodeURIComponent(participantId)}?lang=${encodeURIComponent(lang)}`;
}
