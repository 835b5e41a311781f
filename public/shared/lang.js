/**
 * The participant page's languages and strings, with no DOM: the page and the Worker that renders
 * its first view choose and translate the same way.
 */
import en from "../app/i18n/en.js";
import zhHans from "../app/i18n/zh-Hans.js";
import zhHant from "../app/i18n/zh-Hant.js";

/** @typedef {"zh-Hans" | "zh-Hant" | "en"} Lang */

/** @type {Record<Lang, Record<string, string>>} */
const dicts = { "zh-Hans": zhHans, "zh-Hant": zhHant, en };
export const LANGS = /** @type {Lang[]} */ (["zh-Hans", "zh-Hant", "en"]);
/** The cookie that tells the Worker the language chosen on the page. */
export const LANG_COOKIE = "baizu-lang";

/**
 * @param {string | null | undefined} value
 * @returns {value is Lang}
 */
export function isLang(value) {
	return LANGS.includes(/** @type {Lang} */ (value));
}

/**
 * Maps a BCP 47 tag to one of the page's languages, or null when it is none of them.
 * @param {string} tag
 * @returns {Lang | null}
 */
export function matchLang(tag) {
	const t = tag.trim().toLowerCase();
	if (t.startsWith("zh")) {
		if (/^zh-(hant|tw|hk|mo)\b/.test(t) || /-hant\b/.test(t)) return "zh-Hant";
		return "zh-Hans";
	}
	if (t.startsWith("en")) return "en";
	return null;
}

/**
 * The first of the tags (in preference order) that is one of the page's languages, else en.
 * @param {readonly string[]} tags
 * @returns {Lang}
 */
export function firstMatch(tags) {
	for (const tag of tags) {
		const m = matchLang(tag);
		if (m) return m;
	}
	return "en";
}

/**
 * @param {Lang} lang
 * @param {string} key
 * @param {Record<string, string | number>} [vars]
 * @returns {string}
 */
export function translate(lang, key, vars) {
	const s = dicts[lang][key] ?? dicts["zh-Hans"][key] ?? key;
	if (!vars) return s;
	return s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
}

/**
 * Picks the value for the language from an object like {"zh-Hans", "zh-Hant", "en"}.
 * @param {Lang} lang
 * @param {Partial<Record<Lang, string>> | null | undefined} obj
 * @returns {string}
 */
export function pickFor(lang, obj) {
	if (!obj) return "";
	return obj[lang] ?? obj["zh-Hans"] ?? obj["zh-Hant"] ?? obj.en ?? "";
}

/**
 * @param {Lang} lang
 * @returns {string} the BCP 47 locale used for number and date formats
 */
export function localeOf(lang) {
	return lang === "zh-Hant" ? "zh-Hant-TW" : lang === "zh-Hans" ? "zh-Hans-CN" : "en";
}

/**
 * The ceremony's date, long form, in the language.
 * @param {Lang} lang
 * @param {string} iso YYYY-MM-DD
 */
export function fmtDateFor(lang, iso) {
	const d = new Date(`${iso}T00:00:00Z`);
	if (Number.isNaN(d.getTime())) return iso;
	return new Intl.DateTimeFormat(localeOf(lang), { dateStyle: "long", timeZone: "UTC" }).format(d);
}
