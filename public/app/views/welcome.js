/**
 * The welcome step as markup: the ceremony, its order of rites and the button that begins. The
 * Worker sends it in the page's HTML for the first view; the page builds the same tree when the
 * step is shown again.
 */
import { fmtDateFor, localeOf, pickFor, translate } from "../../shared/lang.js";
import { el } from "../../shared/tree.js";

/** @typedef {import("../../shared/lang.js").Lang} Lang */
/** @typedef {Partial<Record<Lang, string>>} Names */
/**
 * What the welcome step reads of a ceremony (GET /api/v1/ceremonies/current).
 * @typedef {{
 *   name: Names,
 *   date: string,
 *   status: "scheduled" | "open" | "closed",
 *   window: {opensAt: string},
 *   rites: {name: Names, action: string | null}[],
 *   liveStreamUrl?: string | null,
 * }} WelcomeCeremony
 */

/** The ceremony's own time zone, so that the page and the Worker write the same opening time. */
const CEREMONY_TIME_ZONE = "Asia/Shanghai";

/**
 * @param {Lang} lang
 * @param {string} iso
 */
function fmtOpening(lang, iso) {
	const d = new Date(iso);
	if (Number.isNaN(d.getTime())) return iso;
	return new Intl.DateTimeFormat(localeOf(lang), {
		dateStyle: "medium",
		timeStyle: "short",
		timeZone: CEREMONY_TIME_ZONE,
	}).format(d);
}

/** @typedef {{start: "welcome.start" | "welcome.resume" | "welcome.view", canStart: boolean}} WelcomeProgress */

/**
 * A short key of everything the welcome step shows. The Worker writes it beside the first view, so
 * the page can keep that markup without building it again (which would load the browser's date
 * formats on a slow phone's busiest moment).
 * @param {Lang} lang
 * @param {WelcomeCeremony} ceremony
 * @param {WelcomeProgress} progress
 * @returns {string}
 */
export function welcomeKey(lang, ceremony, progress) {
	const shown = JSON.stringify([
		lang,
		progress.start,
		progress.canStart,
		ceremony.status,
		ceremony.date,
		ceremony.status === "scheduled" ? ceremony.window.opensAt : "",
		pickFor(lang, ceremony.name),
		ceremony.liveStreamUrl ?? "",
		ceremony.rites.map((rite) => [pickFor(lang, rite.name), Boolean(rite.action)]),
	]);
	// FNV-1a: a change detector, not a secret.
	let hash = 0x811c9dc5;
	for (let i = 0; i < shown.length; i++) hash = Math.imul(hash ^ shown.charCodeAt(i), 0x01000193);
	return `${lang}:${(hash >>> 0).toString(36)}`;
}

/**
 * @param {Lang} lang
 * @param {WelcomeCeremony} ceremony
 * @param {WelcomeProgress} progress
 * @returns {import("../../shared/tree.js").Tree[]} the stage's children
 */
export function welcomeView(lang, ceremony, progress) {
	/** @param {string} key @param {Record<string, string | number>} [vars] */
	const t = (key, vars) => translate(lang, key, vars);
	const notice =
		ceremony.status === "scheduled"
			? t("status.scheduled", { time: fmtOpening(lang, ceremony.window.opensAt) })
			: ceremony.status === "closed"
				? t("status.closed")
				: "";
	/** @type {import("../../shared/tree.js").Tree[]} */
	const nodes = [
		el("p", { class: "tagline", text: t("welcome.heading") }),
		el("h1", { id: "step-heading", tabindex: "-1", text: pickFor(lang, ceremony.name) }),
		el("p", { class: "lead", text: t("welcome.lead") }),
		el("ul", { class: "facts" }, [
			el("li", { text: t("welcome.date", { date: fmtDateFor(lang, ceremony.date) }) }),
			el("li", { text: t("welcome.place") }),
		]),
	];
	if (ceremony.liveStreamUrl) {
		nodes.push(
			el("p", { class: "live" }, [
				el("a", { class: "live-link", href: ceremony.liveStreamUrl, target: "_blank", rel: "noopener noreferrer" }, [
					t("welcome.live"),
					el("span", { class: "visually-hidden", text: t("welcome.live.note") }),
				]),
			]),
		);
	}
	nodes.push(
		el("h2", { class: "minor", text: t("welcome.rites") }),
		el(
			"ol",
			{ class: "rite-list" },
			ceremony.rites.map((rite) =>
				el("li", { class: rite.action ? "online" : "watched" }, [
					el("span", { class: "rite-name", text: pickFor(lang, rite.name) }),
					el("span", { class: "tag", text: rite.action ? t("welcome.rite.online") : t("welcome.rite.watch") }),
				]),
			),
		),
	);
	if (notice) nodes.push(el("p", { class: "notice", role: "status", text: notice }));
	nodes.push(
		el("div", { class: "buttons" }, [
			el("button", {
				type: "button",
				class: "primary",
				id: "start",
				text: t(progress.start),
				disabled: !progress.canStart,
			}),
		]),
	);
	return nodes;
}
