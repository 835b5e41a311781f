/** Small DOM and formatting helpers of the committee console. */

import { $, h } from "../shared/dom.js";

export { $, h };

/**
 * A bilingual label: Chinese, then English in a smaller span.
 * @param {string} zh
 * @param {string} en
 */
export function bi(zh, en) {
	const frag = document.createDocumentFragment();
	frag.append(document.createTextNode(`${zh} `), h("span", { class: "en", lang: "en", text: en }));
	return frag;
}

const intFormat = new Intl.NumberFormat("zh-CN");
/** @param {number | null | undefined} n */
export const fmtInt = (n) => (typeof n === "number" && Number.isFinite(n) ? intFormat.format(n) : "—");

/**
 * The Chinese reading of a large count: 1,685 万, 2.9 亿 (empty below 10,000).
 * @param {number} n
 */
export function fmtWan(n) {
	if (!Number.isFinite(n) || n < 10_000) return "";
	if (n >= 100_000_000) return `${(n / 100_000_000).toFixed(n >= 1e10 ? 0 : 2)} 亿`;
	return `${(n / 10_000).toFixed(n >= 10_000_000 ? 0 : 1)} 万`;
}

/** @param {number} share 0..1 */
export const fmtPercent = (share) =>
	Number.isFinite(share) ? `${(share * 100).toFixed(share > 0 && share < 0.1 ? 2 : 1)}%` : "—";

/** @param {number} rate */
export function fmtRate(rate) {
	if (!Number.isFinite(rate)) return "—";
	if (rate >= 100) return fmtInt(Math.round(rate));
	return rate.toFixed(1);
}

/** @param {number} ms */
export function fmtAge(ms) {
	if (!Number.isFinite(ms) || ms < 0) return "—";
	if (ms < 1000) return `${Math.round(ms)} ms`;
	if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
	if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} min ${Math.floor((ms % 60_000) / 1000)} s`;
	return `${(ms / 3_600_000).toFixed(1)} h`;
}

export const BEIJING = "Asia/Shanghai";
const dateTimeFormat = new Intl.DateTimeFormat("zh-CN", {
	timeZone: BEIJING,
	year: "numeric",
	month: "2-digit",
	day: "2-digit",
	hour: "2-digit",
	minute: "2-digit",
	second: "2-digit",
	hourCycle: "h23",
});
const timeFormat = new Intl.DateTimeFormat("zh-CN", {
	timeZone: BEIJING,
	hour: "2-digit",
	minute: "2-digit",
	second: "2-digit",
	hourCycle: "h23",
});
/** @param {string | number | Date | null | undefined} t in Beijing time */
export function fmtDateTime(t) {
	if (t === null || t === undefined) return "—";
	const d = new Date(t);
	return Number.isNaN(d.getTime()) ? "—" : dateTimeFormat.format(d);
}
/** @param {string | number | Date} t */
export function fmtTime(t) {
	const d = new Date(t);
	return Number.isNaN(d.getTime()) ? "—" : timeFormat.format(d);
}

const BEIJING_OFFSET_MS = 8 * 3_600_000; // China has no daylight saving time.
/**
 * An instant as the value of a datetime-local input in Beijing time.
 * @param {string | number} t
 */
export function toBeijingInput(t) {
	const d = new Date(new Date(t).getTime() + BEIJING_OFFSET_MS);
	return d.toISOString().slice(0, 16);
}
/**
 * The value of a datetime-local input in Beijing time as an ISO instant, or null.
 * @param {string} v
 */
export function fromBeijingInput(v) {
	const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(v);
	if (!m) return null;
	const [, y, mo, d, hh, mm, ss] = m.map(Number);
	const ms = Date.UTC(y ?? 0, (mo ?? 1) - 1, d, hh, mm, Number.isNaN(ss) ? 0 : ss) - BEIJING_OFFSET_MS;
	return new Date(ms).toISOString();
}

/** Hong Kong, Macao and Taiwan as the organizing committee names them. */
const CHINA_REGIONS = /** @type {Record<string, [string, string]>} */ ({
	HK: ["中国香港", "Hong Kong, China"],
	MO: ["中国澳门", "Macao, China"],
	TW: ["中国台湾", "Taiwan, China"],
});

/** @type {Map<string, Intl.DisplayNames | null>} */
const regionNamers = new Map();
/**
 * A region's name ("中国 CN"); XX or none is unknown.
 * @param {string | null | undefined} code
 * @param {"zh-Hans" | "en"} [lang]
 */
export function regionName(code, lang = "zh-Hans") {
	if (!code || code === "XX") return lang === "en" ? "Unknown" : "未知";
	const china = CHINA_REGIONS[code];
	if (china) return china[lang === "en" ? 1 : 0];
	if (!regionNamers.has(lang)) {
		try {
			regionNamers.set(lang, new Intl.DisplayNames([lang], { type: "region" }));
		} catch {
			regionNamers.set(lang, null);
		}
	}
	try {
		return regionNamers.get(lang)?.of(code) || code;
	} catch {
		return code;
	}
}

/**
 * Asks for confirmation in the page's <dialog>.
 * @param {{title: string, body: string, ok: string}} opts
 * @returns {Promise<boolean>}
 */
export function confirmDialog({ title, body, ok }) {
	const dialog = /** @type {HTMLDialogElement} */ ($("#confirm"));
	$("#confirm-title").textContent = title;
	$("#confirm-body").textContent = body;
	$("#confirm-ok").textContent = ok;
	dialog.returnValue = "";
	return new Promise((resolve) => {
		dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
		dialog.showModal();
		$("#confirm-cancel").focus();
	});
}
