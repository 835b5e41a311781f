/** DOM helpers shared by the participant page and the committee console. */

/**
 * @param {string} sel
 * @param {ParentNode} [root]
 * @returns {HTMLElement}
 */
export function $(sel, root = document) {
	const el = root.querySelector(sel);
	if (!el) throw new Error(`missing element ${sel}`);
	return /** @type {HTMLElement} */ (el);
}

/**
 * Creates an element with attributes and children. Attributes starting with "on" are not supported
 * on purpose: listeners are added with addEventListener (the Content-Security-Policy forbids inline
 * handlers).
 * @param {string} tag
 * @param {Record<string, string | boolean | number | null | undefined>} [attrs]
 * @param {(Node | string | null | undefined | false)[]} [children]
 * @returns {HTMLElement}
 */
export function h(tag, attrs = {}, children = []) {
	const el = document.createElement(tag);
	for (const [k, v] of Object.entries(attrs)) {
		if (v === null || v === undefined || v === false) continue;
		if (k === "class") el.className = String(v);
		else if (k === "text") el.textContent = String(v);
		else el.setAttribute(k, v === true ? "" : String(v));
	}
	for (const c of children) {
		if (c === null || c === undefined || c === false) continue;
		el.append(typeof c === "string" ? document.createTextNode(c) : c);
	}
	return el;
}
