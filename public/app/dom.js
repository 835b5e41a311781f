/** Small DOM helpers. */

export { $, h } from "../shared/dom.js";

/**
 * Clones the content of a <template> by id.
 * @param {string} id
 * @returns {DocumentFragment}
 */
export function fromTemplate(id) {
	const t = /** @type {HTMLTemplateElement} */ (document.getElementById(id));
	return /** @type {DocumentFragment} */ (t.content.cloneNode(true));
}

/** @returns {boolean} */
export function reducedMotion() {
	return window.matchMedia("(prefers-reduced-motion: reduce)").matches;
}

/**
 * @param {number} ms
 * @returns {Promise<void>}
 */
export function sleep(ms) {
	return new Promise((r) => setTimeout(r, ms));
}

/** @returns {string} a random UUID v4 (crypto.randomUUID needs a secure context) */
export function uuid() {
	if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
	const b = crypto.getRandomValues(new Uint8Array(16));
	b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
	b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
	const x = [...b].map((n) => n.toString(16).padStart(2, "0")).join("");
	return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}
