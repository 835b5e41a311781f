/** The blessing map as a ranked list of regions with proportional bars. */
import { getRegions } from "./api.js";
import { $, h } from "./dom.js";
import { fmtNumber, onLangChange, t } from "./i18n.js";
import { poll } from "./poll.js";
import { regionName } from "./regions.js";

const TOP = 10;
/** @type {any[]} */
let regions = [];
let expanded = false;

function paint() {
	const list = $("#map-list");
	const toggle = $("#map-toggle");
	const known = regions.filter((r) => r.region && r.region !== "XX" && r.region !== "ZZ");
	$("#map-lead").textContent = regions.length ? t("map.lead", { n: fmtNumber(known.length) }) : t("map.empty");
	const max = Math.max(1, ...regions.map((r) => r.participants || 0));
	list.replaceChildren();
	const shown = expanded ? regions : regions.slice(0, TOP);
	shown.forEach((r, i) => {
		const bar = h("span", { class: "bar", "aria-hidden": "true" });
		// CSSOM, not a style attribute, so that the Content-Security-Policy needs no 'unsafe-inline'.
		bar.style.setProperty("--share", String((r.participants || 0) / max));
		list.append(
			h("li", {}, [
				h("span", { class: "rank", "aria-hidden": "true", text: String(i + 1) }),
				h("span", { class: "region-name", text: r.region ? regionName(r.region) : t("map.unknown") }),
				h("span", {
					class: "region-count",
					text: t(r.participants === 1 ? "map.person" : "map.people", { n: fmtNumber(r.participants || 0) }),
				}),
				bar,
			]),
		);
	});
	toggle.hidden = regions.length <= TOP;
	toggle.textContent = expanded ? t("map.fewer") : t("map.all", { n: regions.length });
	toggle.setAttribute("aria-expanded", String(expanded));
}

/** @param {number} year */
export function startMap(year) {
	$("#map-toggle").addEventListener("click", () => {
		expanded = !expanded;
		paint();
	});
	onLangChange(paint);
	const p = poll(async () => {
		const data = await getRegions(year);
		regions = [...(data.regions || [])].sort((a, b) => (b.participants || 0) - (a.participants || 0));
		paint();
	}, 30_000);
	return { refresh: (/** @type {number} */ delay) => p.now(delay) };
}
