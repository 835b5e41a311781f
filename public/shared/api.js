/**
 * The service's HTTP API as both pages call it (same origin, base /api/v1): requests, errors
 * parsed from application/problem+json, and retries that honour Retry-After. The participant
 * page's calls are in public/app/api.js, the committee console's session in public/admin/api.js.
 */

export const BASE = "/api/v1";

/**
 * An RFC 9457 problem, with the extensions the service adds.
 * @typedef {{
 *   type?: string,
 *   title?: string,
 *   status?: number,
 *   detail?: string,
 *   errors?: {path: unknown, message: string}[],
 *   certificate?: {number: number, url: string},
 *   [extension: string]: unknown,
 * }} Problem
 */

/** A response that is not 2xx. `problem` is the parsed problem+json body, if any. */
export class HttpError extends Error {
	/**
	 * @param {number} status
	 * @param {Problem | null} problem
	 * @param {Headers} headers
	 */
	constructor(status, problem, headers) {
		super(problem?.detail || problem?.title || `HTTP ${status}`);
		this.status = status;
		this.problem = problem;
		this.headers = headers;
	}
}

/** The request never got an answer (offline, DNS, connection reset), or its body was cut short. */
export class NetworkError extends Error {}

/**
 * @typedef {{
 *   method?: string,
 *   body?: unknown,
 *   token?: string | null,
 *   headers?: Record<string, string>,
 *   cache?: RequestCache,
 *   signal?: AbortSignal,
 * }} RequestOptions
 */

/**
 * One request. JSON bodies are parsed; a non-2xx answer throws HttpError with its problem.
 * @param {string} path below /api/v1
 * @param {RequestOptions} [opts]
 * @returns {Promise<{status: number, data: unknown, headers: Headers}>}
 */
export async function request(path, opts = {}) {
	/** @type {Record<string, string>} */
	const headers = { Accept: "application/json", ...(opts.headers ?? {}) };
	if (opts.body !== undefined) headers["Content-Type"] = "application/json";
	if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
	let res;
	try {
		res = await fetch(BASE + path, {
			method: opts.method ?? "GET",
			headers,
			body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
			cache: opts.cache,
			credentials: "omit",
			signal: opts.signal,
		});
	} catch (e) {
		if (e instanceof DOMException && e.name === "AbortError") throw e;
		throw new NetworkError(String(e));
	}
	const type = res.headers.get("Content-Type") ?? "";
	/** @type {unknown} */
	let data = null;
	if (type.includes("json")) {
		try {
			data = await res.json();
		} catch (e) {
			// A 2xx whose body was cut short is no answer; an error's body is only a detail.
			if (res.ok) throw new NetworkError(`truncated body: ${e}`);
		}
	}
	if (!res.ok) throw new HttpError(res.status, isProblem(data) ? data : null, res.headers);
	return { status: res.status, data, headers: res.headers };
}

/**
 * @param {unknown} data
 * @returns {data is Problem}
 */
function isProblem(data) {
	return typeof data === "object" && data !== null && !Array.isArray(data);
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
	await Promise.race([new Promise((r) => setTimeout(r, ms)), online, ...(wake ? [wake] : [])]);
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
