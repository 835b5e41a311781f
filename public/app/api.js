/** The participant page's calls to the service, over the shared transport (public/shared/api.js). */
import { BASE, HttpError, request, withRetry } from "../shared/api.js";

import { HumanCheckError } from "./turnstile.js";

export { HttpError, NetworkError } from "../shared/api.js";

/**
 * The answers the page reads, typed by the service's own schemas (src/schemas).
 * @typedef {import("../../src/schemas/ceremony").Ceremony} Ceremony
 * @typedef {import("../../src/schemas/ceremony").Rite} Rite
 * @typedef {import("../../src/schemas/common").ActionType} ActionType
 * @typedef {import("../../src/schemas/participant").Profile} Profile
 * @typedef {import("../../src/schemas/stats").Stats} Stats
 * @typedef {import("../../src/schemas/stats").RegionsStats} RegionsStats
 * @typedef {import("../../src/schemas/blessing").Blessing} Blessing
 * @typedef {import("../../src/schemas/blessing").BlessingPage} BlessingPage
 */

/** @returns {Promise<Ceremony>} the current (or next) ceremony */
export async function getCurrentCeremony() {
	return /** @type {Ceremony} */ ((await withRetry(() => request("/ceremonies/current"), { maxAttempts: 4 })).data);
}

/** @param {unknown} e @returns {boolean} the service asks for a (new) Turnstile token */
const isHumanCheckProblem = (e) =>
	e instanceof HttpError &&
	e.status === 403 &&
	(e.problem?.type === "/problems/turnstile-required" || e.problem?.type === "/problems/turnstile-failed");

/**
 * Issues a participant token. With Turnstile on, `humanCheck` gives a fresh widget token for the
 * `CF-Turnstile-Response` header; a token the service refuses (used, expired) gets one more try
 * with a fresh one, and then a HumanCheckError.
 * @param {string} lang
 * @param {(() => Promise<string>) | null} [humanCheck]
 * @returns {Promise<{participantId: string, token: string}>}
 */
export async function createParticipant(lang, humanCheck = null) {
	const issue = async () => {
		const headers = humanCheck ? { "CF-Turnstile-Response": await humanCheck() } : undefined;
		return withRetry(() => request("/participants", { method: "POST", body: { locale: lang }, headers }), {
			maxAttempts: 6,
		});
	};
	let r;
	try {
		r = await issue();
	} catch (e) {
		if (!isHumanCheckProblem(e)) throw e;
		if (!humanCheck) throw new HumanCheckError();
		try {
			r = await issue();
		} catch (again) {
			throw isHumanCheckProblem(again) ? new HumanCheckError() : again;
		}
	}
	return /** @type {{participantId: string, token: string}} */ (r.data);
}

/**
 * @param {number} year
 * @param {string} token
 * @returns {Promise<Profile>}
 */
export async function getMe(year, token) {
	const r = await withRetry(() => request(`/ceremonies/${year}/participants/me`, { token, cache: "no-store" }), {
		maxAttempts: 4,
	});
	return /** @type {Profile} */ (r.data);
}

/**
 * @param {number} year
 * @param {string} token
 * @param {{displayName?: string, region?: string}} body
 * @returns {Promise<Profile>}
 */
export async function putMe(year, token, body) {
	const r = await withRetry(() => request(`/ceremonies/${year}/participants/me`, { method: "PUT", token, body }), {
		maxAttempts: 6,
	});
	return /** @type {Profile} */ (r.data);
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
			const r = await request(`/ceremonies/${a.year}/actions`, {
				method: "POST",
				token: a.token,
				headers: { "Idempotency-Key": a.key },
				body,
			});
			const sent = /** @type {{certificate?: {number: number, url: string}} | null} */ (r.data);
			return { certificate: sent?.certificate ?? null };
		} catch (e) {
			if (e instanceof HttpError && e.status === 409 && e.problem?.certificate) {
				return { certificate: e.problem.certificate };
			}
			throw e;
		}
	}, opts);
}

/**
 * @param {number} year
 * @returns {Promise<Stats>}
 */
export async function getStats(year) {
	return /** @type {Stats} */ ((await request(`/ceremonies/${year}/stats`, { cache: "no-cache" })).data);
}

/**
 * @param {number} year
 * @returns {Promise<RegionsStats>}
 */
export async function getRegions(year) {
	return /** @type {RegionsStats} */ ((await request(`/ceremonies/${year}/stats/regions`, { cache: "no-cache" })).data);
}

/**
 * @param {number} year
 * @param {string | null} [cursor]
 * @returns {Promise<BlessingPage>}
 */
export async function getBlessings(year, cursor) {
	const q = new URLSearchParams({ limit: "20" });
	if (cursor) q.set("cursor", cursor);
	return /** @type {BlessingPage} */ (
		(await request(`/ceremonies/${year}/blessings?${q}`, { cache: "no-cache" })).data
	);
}

/**
 * @param {number} year
 * @param {string} id
 * @param {string} token
 */
export async function reportBlessing(year, id, token) {
	return (
		await withRetry(
			() =>
				request(`/ceremonies/${year}/blessings/${encodeURIComponent(id)}/reports`, { method: "POST", token, body: {} }),
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
