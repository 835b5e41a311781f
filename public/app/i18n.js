/** The page's language (zh-Hans, zh-Hant, en): choice, string lookup and translation of the static page. */
import { firstMatch, isLang, LANG_COOKIE, localeOf, pickFor, translate } from "../shared/lang.js";
import { groupedDigits } from "../shared/plain-formats.js";

/** @typedef {import("../shared/lang.js").Lang} Lang */

const STORAGE_KEY = "baizu:lang";

/** @type {Lang} */
let current = "zh-Hans";
/** @type {Set<(lang: Lang) => void>} */
const listeners = new Set();

/** @returns {Lang} the language in the URL, else the remembered one, else the first match in navigator.languages, else en */
export function initialLang() {
	const fromUrl = new URLSearchParams(location.search).get("lang");
	if (isLang(fromUrl)) return fromUrl;
	try {
		const saved = localStorage.getItem(STORAGE_KEY);
		if (isLang(saved)) return saved;
	} catch {}
	return firstMatch(navigator.languages?.length ? navigator.languages : [navigator.language || "en"]);
}

/** @returns {Lang} */
export function lang() {
	return current;
}

/**
 * @param {string} key
 * @param {Record<string, string | number>} [vars]
 * @returns {string}
 */
export function t(key, vars) {
	return translate(current, key, vars);
}

/**
 * Picks the value for the current language from an API object like {"zh-Hans", "zh-Hant", "en"}.
 * @param {Partial<Record<Lang, string>> | null | undefined} obj
 * @returns {string}
 */
export function pick(obj) {
	return pickFor(current, obj);
}

/** @returns {string} the BCP 47 locale used for number and date formats */
export function locale() {
	return localeOf(current);
}

/** The number format for what is not a count, built once per language. @type {{locale: string, format: Intl.NumberFormat} | null} */
let numbers = null;

/** @param {number} n */
export function fmtNumber(n) {
	const grouped = groupedDigits(n);
	if (grouped !== null) return grouped;
	if (numbers?.locale !== locale()) numbers = { locale: locale(), format: new Intl.NumberFormat(locale()) };
	return numbers.format.format(n);
}

/**
 * Translates every element marked data-i18n (text) or data-i18n-attr="attr:key;attr:key".
 * @param {ParentNode} [root]
 */
export function translateDom(root = document) {
	for (const el of root.querySelectorAll("[data-i18n]")) {
		el.textContent = t(/** @type {string} */ (el.getAttribute("data-i18n")));
	}
	for (const el of root.querySelectorAll("[data-i18n-attr]")) {
		for (const pair of /** @type {string} */ (el.getAttribute("data-i18n-attr")).split(";")) {
			const [attr, key] = pair.split(":");
			if (attr && key) el.setAttribute(attr.trim(), t(key.trim()));
		}
	}
}

/** @param {Lang} next */
function remember(next) {
	try {
		localStorage.setItem(STORAGE_KEY, next);
	} catch {}
	// The Worker writes the next first view in this language too.
	// biome-ignore lint/suspicious/noDocumentCookie: the Cookie Store API is missing from Firefox and older Safari
	document.cookie = `${LANG_COOKIE}=${next}; path=/; max-age=31536000; samesite=lax`;
}

/**
 * Takes the language the page starts in. The Worker has already written the page in it when the
 * document says so; otherwise the static text is translated here.
 * @param {Lang} next
 */
export function startLang(next) {
	if (document.documentElement.lang !== next) return setLang(next);
	current = next;
	remember(next);
}

/**
 * Switches the language, remembers it, and tells the listeners.
 * @param {Lang} next
 */
export function setLang(next) {
	current = next;
	remember(next);
	document.documentElement.lang = next;
	document.title = t("doc.title");
	translateDom();
	for (const fn of listeners) fn(next);
}

/** @param {(lang: Lang) => void} fn */
export function onLangChange(fn) {
	listeners.add(fn);
}
