/**
 * The service's HTTP API for the committee console (same origin, base /api/v1). The committee token
 * lives in sessionStorage only and goes in the Authorization header, never in a URL.
 */

const BASE = "/api/v1";
const KEY = "baizu:admin:v1";

/** A response that is not 2xx; `problem` is the parsed problem+json body, if any. */
export class HttpError extends Error {
	/**
	 * @param {number} status
	 * @param {any} problem
	 */
	constructor(status, problem) {
		super(problem?.detail || problem?.title || `HTTP ${status}`);
		this.status = status;
		this.problem = problem;
	}
}

/** The request never got an answer. */
export class NetworkError extends Error {}

/** @type {{token: string, name: string} | null} */
let session = null;
try {
	const raw = sessionStorage.getItem(KEY);
	if (raw) {
		const s = JSON.parse(raw);
		if (typeof s?.token === "string" && typeof s?.name === "string") session = s;
	}
} catch {
	session = null;
}

/** Called when the server refuses the stored token (revoked or changed). */
let onUnauthorized = () => {};
/** @param {() => void} fn */
export function whenUnauthorized(fn) {
	onUnauthorized = fn;
}

export const currentSession = () => session;

/** @param {{token: string, name: string}} s */
export function saveSession(s) {
	session = s;
	try {
		sessionStorage.setItem(KEY, JSON.stringify(s));
	} catch {
		// private mode: kept in memory for this page only
	}
}

export function clearSession() {
	session = null;
	try {
		sessionStorage.removeItem(KEY);
	} catch {
		// nothing stored
	}
}

/**
 * @param {string} path below /api/v1
 * @param {{method?: string, body?: unknown, token?: string, auth?: boolean, signal?: AbortSignal}} [opts]
 * @returns {Promise<any>}
 */
export async function api(path, opts = {}) {
	/** @type {Record<string, string>} */
	const headers = { Accept: "application/json" };
	if (opts.body !== undefined) headers["Content-Type"] = "application/json";
	const token = opts.token ?? (opts.auth === false ? undefined : session?.token);
	if (token) headers.Authorization = `Bearer ${token}`;
	let res;
	try {
		res = await fetch(BASE + path, {
			method: opts.method || "GET",
			headers,
			body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
			cache: "no-store",
			credentials: "omit",
			signal: opts.signal,
		});
	} catch (e) {
		if (/** @type {Error} */ (e).name === "AbortError") throw e;
		throw new NetworkError(String(e));
	}
	const type = res.headers.get("Content-Type") || "";
	let data = null;
	if (type.includes("json")) {
		try {
			data = await res.json();
		} catch {
			data = null;
		}
	}
	if (!res.ok) {
		if (res.status === 401 && !opts.token && opts.auth !== false && session) onUnauthorized();
		throw new HttpError(res.status, data);
	}
	return data;
}

/**
 * A human message for an error, bilingual.
 * @param {unknown} e
 */
export function describeError(e) {
	if (e instanceof NetworkError) return "无法连接服务器，请检查网络。 Cannot reach the server.";
	if (e instanceof HttpError) {
		const p = e.problem;
		const fields = Array.isArray(p?.errors)
			? p.errors.map(
					(/** @type {{path: unknown, message: string}} */ x) =>
						`${Array.isArray(x.path) ? x.path.join(".") : x.path}: ${x.message}`,
				)
			: [];
		const head = p?.title ? `${p.title}${p.detail ? ` — ${p.detail}` : ""}` : `HTTP ${e.status}`;
		return [head, ...fields].join("; ");
	}
	return String(/** @type {Error} */ (e)?.message ?? e);
}

/** Public (no token) URL of a read, for links and downloads. */
export const publicUrl = (path) => BASE + path;
