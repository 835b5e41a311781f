/**
 * Markup as plain data: `[tag, attributes, children]`. A view written once as a tree is built into
 * DOM on the page (`build`) and into HTML by the Worker that sends the first view, so both are the
 * same markup.
 */

/** @typedef {string | boolean | number | null | undefined} AttrValue */
/** @typedef {[string, Record<string, AttrValue>, Child[]]} Tree */
/** @typedef {Tree | string | null | undefined | false} Child */

/**
 * @param {string} tag
 * @param {Record<string, AttrValue>} [attrs] `text` sets the text content; false, null and undefined leave an attribute out
 * @param {Child[]} [children]
 * @returns {Tree}
 */
export function el(tag, attrs = {}, children = []) {
	return [tag, attrs, children];
}

/**
 * The DOM of a tree.
 * @param {Tree} tree
 * @returns {HTMLElement}
 */
export function build([tag, attrs, children]) {
	const node = document.createElement(tag);
	for (const [k, v] of Object.entries(attrs)) {
		if (v === null || v === undefined || v === false) continue;
		if (k === "class") node.className = String(v);
		else if (k === "text") node.textContent = String(v);
		else node.setAttribute(k, v === true ? "" : String(v));
	}
	for (const c of children) {
		if (c === null || c === undefined || c === false) continue;
		node.append(typeof c === "string" ? c : build(c));
	}
	return node;
}

/** @param {string} s */
const escapeHtml = (s) =>
	s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);

const VOID = new Set(["br", "img", "input", "meta", "link", "hr", "source", "wbr"]);

/**
 * The HTML of a tree, escaped.
 * @param {Child} tree
 * @returns {string}
 */
export function toHtml(tree) {
	if (tree === null || tree === undefined || tree === false) return "";
	if (typeof tree === "string") return escapeHtml(tree);
	const [tag, attrs, children] = tree;
	let open = `<${tag}`;
	let text = "";
	for (const [k, v] of Object.entries(attrs)) {
		if (v === null || v === undefined || v === false) continue;
		if (k === "text") text = escapeHtml(String(v));
		else open += v === true ? ` ${k}` : ` ${k}="${escapeHtml(String(v))}"`;
	}
	if (VOID.has(tag)) return `${open}>`;
	return `${open}>${text}${children.map(toHtml).join("")}</${tag}>`;
}
