/** The blessing wall: published blessings, newest first, each with a report button. */
import { getBlessings, HttpError, reportBlessing } from "./api.js";
import { $, h } from "./dom.js";
import { lang, locale, onLangChange, t } from "./i18n.js";
import { poll } from "./poll.js";
import { regionName } from "./regions.js";
import * as store from "./store.js";

/** @typedef {import("./api.js").Blessing} Blessing */

/** @type {Blessing[]} */
let items = [];
/** @type {string | null} */
let cursor = null;
let year = 0;
/** @type {<T>(fn: (c: {token: string}) => Promise<T>) => Promise<T>} */
let withToken;

/** @param {Blessing} b */
function textOf(b) {
	return lang() === "zh-Hant"
		? (b.text?.["zh-Hant"] ?? b.text?.["zh-Hans"] ?? "")
		: (b.text?.["zh-Hans"] ?? b.text?.["zh-Hant"] ?? "");
}

/** The time format, built once per language rather than for every blessing. @type {{locale: string, format: Intl.DateTimeFormat} | null} */
let clock = null;

/** @param {string} iso */
function when(iso) {
	const d = new Date(iso);
	if (Number.isNaN(d.getTime())) return "";
	if (clock?.locale !== locale())
		clock = {
			locale: locale(),
			format: new Intl.DateTimeFormat(locale(), { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" }),
		};
	return clock.format.format(d);
}

/** @param {Blessing} b */
function itemEl(b) {
	const reported = store.load(year).reported.includes(b.id);
	const text = textOf(b);
	const meta = [b.displayName || t("wall.anonymous"), b.region ? regionName(b.region) : "", when(b.createdAt)]
		.filter(Boolean)
		.join(" · ");
	const li = h("li", { class: "blessing", "data-id": b.id }, [
		h("p", { class: "blessing-text", lang: lang() === "zh-Hant" ? "zh-Hant" : "zh-Hans", text }),
		h("p", { class: "blessing-meta", text: meta }),
	]);
	const controls = h("div", { class: "report" });
	li.append(controls);
	paintReport(controls, b, reported ? "reported" : "idle");
	return li;
}

/**
 * @param {HTMLElement} box
 * @param {Blessing} b
 * @param {"idle" | "confirm" | "sending" | "reported" | "failed"} state
 */
function paintReport(box, b, state) {
	box.replaceChildren();
	const label = `${t("wall.report.label")}：${[...textOf(b)].slice(0, 20).join("")}`;
	if (state === "reported") {
		box.append(
			h("button", {
				type: "button",
				class: "report-button is-reported",
				disabled: true,
				"aria-label": `${t("wall.reported")}：${[...textOf(b)].slice(0, 20).join("")}`,
				text: t("wall.reported"),
			}),
		);
		return;
	}
	if (state === "confirm" || state === "sending") {
		const yes = h("button", {
			type: "button",
			class: "report-confirm",
			text: t("wall.report.confirm"),
			disabled: state === "sending",
		});
		const no = h("button", { type: "button", class: "report-cancel", text: t("wall.report.cancel") });
		yes.addEventListener("click", () => sendReport(box, b));
		no.addEventListener("click", () => {
			paintReport(box, b, "idle");
			/** @type {HTMLElement} */ (box.querySelector("button"))?.focus();
		});
		box.append(h("span", { class: "report-ask", text: t("wall.report.ask") }), yes, no);
		return;
	}
	const btn = h("button", { type: "button", class: "report-button", "aria-label": label, text: t("wall.report") });
	btn.addEventListener("click", () => {
		paintReport(box, b, "confirm");
		/** @type {HTMLElement} */ (box.querySelector(".report-confirm"))?.focus();
	});
	box.append(btn);
	if (state === "failed") box.append(h("span", { class: "report-error", role: "alert", text: t("wall.reportFailed") }));
}

/**
 * @param {HTMLElement} box
 * @param {Blessing} b
 */
async function sendReport(box, b) {
	paintReport(box, b, "sending");
	try {
		await withToken(({ token }) => reportBlessing(year, b.id, token));
		store.update(year, (s) => {
			if (!s.reported.includes(b.id)) s.reported.push(b.id);
		});
		paintReport(box, b, "reported");
	} catch (e) {
		// A blessing that is gone (hidden meanwhile) needs no report.
		if (e instanceof HttpError && e.status === 404) {
			box.closest("li")?.remove();
			return;
		}
		paintReport(box, b, "failed");
	}
	/** @type {HTMLElement} */ (box.querySelector("button"))?.focus();
}

function paint() {
	const list = $("#wall-list");
	list.replaceChildren(...items.map(itemEl));
	$("#wall-empty").hidden = items.length > 0;
	$("#wall-more").hidden = !cursor;
}

/** Adds the newest blessings to the top without disturbing the rest. */
async function refreshTop() {
	const data = await getBlessings(year);
	const fresh = (data.items || []).filter((b) => !items.some((x) => x.id === b.id));
	if (!items.length) cursor = data.nextCursor ?? null;
	if (!fresh.length && items.length) return;
	items = [...fresh, ...items];
	const list = $("#wall-list");
	if (list.children.length && fresh.length) {
		// Keep focus where it is: insert instead of repainting.
		list.prepend(...fresh.map(itemEl));
		$("#wall-empty").hidden = true;
	} else paint();
}

/**
 * @param {number} y
 * @param {<T>(fn: (c: {token: string}) => Promise<T>) => Promise<T>} tokenFn runs a call with the participant's token, made on first need
 */
export function startWall(y, tokenFn) {
	year = y;
	withToken = tokenFn;
	const more = $("#wall-more");
	more.addEventListener("click", async () => {
		if (!cursor) return;
		more.setAttribute("disabled", "");
		try {
			const data = await getBlessings(year, cursor);
			const firstNew = items.length;
			items = [...items, ...(data.items || []).filter((b) => !items.some((x) => x.id === b.id))];
			cursor = data.nextCursor ?? null;
			paint();
			/** @type {HTMLElement | undefined} */ (
				$("#wall-list").children[firstNew]?.querySelector("button") ?? undefined
			)?.focus();
		} finally {
			more.removeAttribute("disabled");
		}
	});
	onLangChange(paint);
	const p = poll(refreshTop, 20_000);
	return { refresh: (/** @type {number} */ delay) => p.now(delay) };
}
