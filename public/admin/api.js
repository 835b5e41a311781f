/**
 * The committee console's session over the shared transport (public/shared/api.js). The committee
 * token lives in sessionStorage only and goes in the Authorization header, never in a URL.
 */
import { BASE, HttpError, NetworkError, request } from "../shared/api.js";

export { HttpError, NetworkError } from "../shared/api.js";

const KEY = "baizu:admin:v1";

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
 * A call with the session's token (or `token`, or none with `auth: false`), never from a cache.
 * @param {string} path below /api/v1
 * @param {{method?: string, body?: unknown, token?: string, auth?: boolean, signal?: AbortSignal}} [opts]
 * @returns {Promise<unknown>} the answer's JSON, to be read with public/admin/answers.js
 */
export async function api(path, opts = {}) {
	const token = opts.token ?? (opts.auth === false ? undefined : session?.token);
	try {
		const r = await request(path, {
			method: opts.method,
			body: opts.body,
			token,
			cache: "no-store",
			signal: opts.signal,
		});
		return r.data;
	} catch (e) {
		if (e instanceof HttpError && e.status === 401 && !opts.token && opts.auth !== false && session) onUnauthorized();
		throw e;
	}
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
			? p.errors.map((x) => `${Array.isArray(x.path) ? x.path.join(".") : x.path}: ${x.message}`)
			: [];
		const head = p?.title ? `${p.title}${p.detail ? ` — ${p.detail}` : ""}` : `HTTP ${e.status}`;
		return [head, ...fields].join("; ");
	}
	return String(/** @type {Error} */ (e)?.message ?? e);
}

/**
 * Public (no token) URL of a read, for links and downloads.
 * @param {string} path below /api/v1
 */
export const publicUrl = (path) => BASE + path;
