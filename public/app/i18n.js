/** Language choice (zh-Hans, zh-Hant, en), string lookup and translation of the static page. */
import en from "./i18n/en.js";
import zhHans from "./i18n/zh-Hans.js";
import zhHant from "./i18n/zh-Hant.js";

/** @typedef {"zh-Hans" | "zh-Hant" | "en"} Lang */

/** @type {Record<Lang, Record<string, string>>} */
const dicts = { "zh-Hans": zhHans, "zh-Hant": zhHant, en };
export const LANGS = /** @type {Lang[]} */ (["zh-Hans", "zh-Hant", "en"]);
const STORAGE_KEY = "baizu:lang";

/** @type {Lang} */
let current = "zh-Hans";
/** @type {Set<(lang: Lang) => void>} */
const listeners = new Set();

/**
 * Maps a BCP 47 tag to one of the page's languages, or null when it is none of them.
 * @param {string} tag
 * @returns {Lang | null}
 */
export function matchLang(tag) {
	const t = tag.toLowerCase();
	if (t.startsWith("zh")) {
		if (/^zh-(hant|tw|hk|mo)\b/.test(t) || /-hant\b/.test(t)) return "zh-Hant";
		return "zh-Hans";
	}
	if (t.startsWith("en")) return "en";
	return null;
}

/** @returns {Lang} the remembered language, else the first match in navigator.languages, else en */
export function initialLang() {
	const fromUrl = new URLSearchParams(location.search).get("lang");
	if (fromUrl && LANGS.includes(/** @type {Lang} */ (fromUrl))) return /** @type {Lang} */ (fromUrl);
	try {
		const saved = localStorage.getItem(STORAGE_KEY);
		if (saved && LANGS.includes(/** @type {Lang} */ (saved))) return /** @type {Lang} */ (saved);
	} catch {}
	const prefs = navigator.languages?.length ? navigator.languages : [navigator.language || "en"];
	for (const tag of prefs) {
		const m = matchLang(tag);
		if (m) return m;
	}
	return "en";
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
	const s = dicts[current][key] ?? dicts["zh-Hans"][key] ?? key;
	if (!vars) return s;
	return s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
}

/**
 * Picks the value for the current language from an API object like {"zh-Hans", "zh-Hant", "en"}.
 * @param {Partial<Record<Lang, string>> | null | undefined} obj
 * @returns {string}
 */
export function pick(obj) {
	if (!obj) return "";
	return obj[current] ?? obj["zh-Hans"] ?? obj["zh-Hant"] ?? obj.en ?? "";
}

/** @returns {string} the BCP 47 locale used for number and date formats */
export function locale() {
	return current === "zh-Hant" ? "zh-Hant-TW" : current === "zh-Hans" ? "zh-Hans-CN" : "en";
}

/** @param {number} n */
export function fmtNumber(n) {
	return new Intl.NumberFormat(locale()).format(n);
}

/** Translates every element marked data-i18n (text) or data-i18n-attr="attr:key;attr:key". */
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

/**
 * Switches the language, remembers it, and tells the listeners.
 * @param {Lang} next
 */
export function setLang(next) {
	current = next;
	try {
		localStorage.setItem(STORAGE_KEY, next);
	} catch {}
	document.documentElement.lang = next;
	document.title = t("doc.title");
	translateDom();
	for (const fn of listeners) fn(next);
}

/** @param {(lang: Lang) => void} fn */
export function onLangChange(fn) {
	listeners.add(fn);
}
