/**
 * Answers from the network arrive as `unknown`: a page reads one as a documented schema only after
 * checking the fields it relies on, so a changed or broken answer fails here, with its name, rather
 * than as `undefined` somewhere in the rendering.
 */

/** An answer that is not the documented shape. */
export class UnexpectedAnswer extends Error {
	/** @param {string} what the schema the answer should have had */
	constructor(what) {
		super(`unexpected answer from the server (not a ${what})`);
		this.name = "UnexpectedAnswer";
	}
}

/**
 * @param {unknown} x
 * @returns {x is Record<string, unknown>}
 */
export const isRecord = (x) => typeof x === "object" && x !== null && !Array.isArray(x);

/**
 * What a field must be: a JSON type, with `?` for "may be null", or one of a list of strings.
 * @typedef {"string" | "number" | "boolean" | "object" | "array" | "string?" | "number?" | "object?" | readonly string[]} FieldKind
 */

/**
 * @param {unknown} v
 * @param {FieldKind} kind
 */
function fits(v, kind) {
	if (typeof kind !== "string") return typeof v === "string" && kind.includes(v);
	if (kind.endsWith("?") && v === null) return true;
	const base = kind.replace("?", "");
	if (base === "array") return Array.isArray(v);
	if (base === "object") return isRecord(v);
	if (base === "number") return typeof v === "number" && Number.isFinite(v);
	return typeof v === base;
}

/**
 * Reads `data` as the schema `T` when every listed field has its kind, else throws UnexpectedAnswer.
 * @template T
 * @param {unknown} data
 * @param {string} what the schema's name, for the error
 * @param {Record<string, FieldKind>} fields
 * @returns {T}
 */
export function readAnswer(data, what, fields) {
	if (!isRecord(data)) throw new UnexpectedAnswer(what);
	for (const [name, kind] of Object.entries(fields)) if (!fits(data[name], kind)) throw new UnexpectedAnswer(what);
	return /** @type {T} */ (data);
}

/**
 * Reads every element of `items` with `read`.
 * @template T
 * @param {unknown} items
 * @param {string} what
 * @param {(item: unknown) => T} read
 * @returns {T[]}
 */
export function readList(items, what, read) {
	if (!Array.isArray(items)) throw new UnexpectedAnswer(what);
	return items.map(read);
}
