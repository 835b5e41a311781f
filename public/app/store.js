/**
 * The participant's progress, kept in localStorage per ceremony year so that a reload (or a
 * browser crash, or a lost connection) keeps it: token, id, which offerings are done or pending
 * with their Idempotency-Key, and the certificate.
 */

/**
 * @typedef {{status: "pending" | "done", key: string, message?: string}} ActionState
 * @typedef {{
 *   participantId: string | null,
 *   token: string | null,
 *   step: string,
 *   displayName: string,
 *   region: string,
 *   profileSaved: boolean,
 *   actions: Record<string, ActionState>,
 *   certificate: {number: number, url: string} | null,
 *   reported: string[],
 * }} State
 */

/** @param {number} year */
const keyFor = (year) => `baizu:v1:${year}`;

/** @returns {State} */
function empty() {
	return {
		participantId: null,
		token: null,
		step: "welcome",
		displayName: "",
		region: "",
		profileSaved: false,
		actions: {},
		certificate: null,
		reported: [],
	};
}

/** In-memory copy, used when localStorage is unavailable (private mode, quota). */
/** @type {Map<number, State>} */
const memory = new Map();

/**
 * @param {number} year
 * @returns {State}
 */
export function load(year) {
	try {
		const raw = localStorage.getItem(keyFor(year));
		if (raw) return { ...empty(), ...JSON.parse(raw) };
	} catch {}
	return memory.get(year) ?? empty();
}

/**
 * @param {number} year
 * @param {State} state
 */
export function save(year, state) {
	memory.set(year, state);
	try {
		localStorage.setItem(keyFor(year), JSON.stringify(state));
	} catch {}
}

/**
 * Loads, changes and saves in one go.
 * @param {number} year
 * @param {(s: State) => void} fn
 * @returns {State}
 */
export function update(year, fn) {
	const s = load(year);
	fn(s);
	save(year, s);
	return s;
}
