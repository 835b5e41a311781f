/**
 * The blessing map: a drawn map (public/shared/blessing-map.js, loaded when the section comes into
 * view) above the ranked list of regions, which stays for screen readers and small screens.
 */
import { whenVisible } from "../shared/when-visible.js";
import { getRegions } from "./api.js";
import { $, h } from "./dom.js";
import { fmtNumber, onLangChange, t } from "./i18n.js";
import { poll } from "./poll.js";
import { regionName } from "./regions.js";

/** @typedef {import("../shared/blessing-map.js").RegionCount} RegionCount */

const TOP = 10;
/** @type {RegionCount[]} */
let regions = [];
let expanded = false;
/** @type {import("../shared/blessing-map.js").BlessingMap | null} */
let drawing = null;

/** @param {RegionCount} r */
const nameOf = (r) => (r.region && r.region !== "XX" ? regionName(r.region) : t("map.unknown"));
/** @param {RegionCount} r */
const countOf = (r) => t(r.participants === 1 ? "map.person" : "map.people", { n: fmtNumber(r.participants) });

function paintDrawing() {
	if (!drawing) return;
	const top = regions
		.filter((r) => r.region !== "XX")
		.slice(0, 3)
		.map((r) => `${nameOf(r)} ${countOf(r)}`)
		.join(t("map.sep"));
	const { unplaced } = drawing.update(regions, {
		title: t("map.title"),
		description: top ? t("map.desc", { top }) : t("map.empty"),
		label: (r) => nameOf(r),
		tooltip: (r) => `${nameOf(r)}: ${countOf(r)}`,
	});
	const note = $("#map-note");
	note.textContent = unplaced.length
		? t("map.unplaced", { list: unplaced.map((r) => `${nameOf(r)} ${countOf(r)}`).join(t("map.sep")) })
		: "";
}

function paint() {
	const list = $("#map-list");
	const toggle = $("#map-toggle");
	const known = regions.filter((r) => r.region && r.region !== "XX" && r.region !== "ZZ");
	$("#map-lead").textContent = regions.length ? t("map.lead", { n: fmtNumber(known.length) }) : t("map.empty");
	const max = Math.max(1, ...regions.map((r) => r.participants));
	list.replaceChildren();
	const shown = expanded ? regions : regions.slice(0, TOP);
	shown.forEach((r, i) => {
		const bar = h("span", { class: "bar", "aria-hidden": "true" });
		// CSSOM, not a style attribute, so that the Content-Security-Policy needs no 'unsafe-inline'.
		bar.style.setProperty("--share", String(r.participants / max));
		list.append(
			h("li", {}, [
				h("span", { class: "rank", "aria-hidden": "true", text: String(i + 1) }),
				h("span", { class: "region-name", text: nameOf(r) }),
				h("span", { class: "region-count", text: countOf(r) }),
				bar,
			]),
		);
	});
	toggle.hidden = regions.length <= TOP;
	toggle.textContent = expanded ? t("map.fewer") : t("map.all", { n: regions.length });
	toggle.setAttribute("aria-expanded", String(expanded));
	paintDrawing();
}

/** Loads the drawing and its data once the map's box nears the viewport. */
function drawWhenVisible() {
	const host = $("#map-canvas");
	whenVisible(host, async () => {
		try {
			const { createBlessingMap, loadMapData } = await import("../shared/blessing-map.js");
			drawing = createBlessingMap(host, await loadMapData());
			paintDrawing();
		} catch {
			// The list below carries the same figures; the map's box stays empty.
			host.dataset.failed = "true";
		}
	});
}

/** @param {number} year */
export function startMap(year) {
	$("#map-toggle").addEventListener("click", () => {
		expanded = !expanded;
		paint();
	});
	onLangChange(paint);
	drawWhenVisible();
	const p = poll(async () => {
		const data = await getRegions(year);
		regions = [...(data.regions ?? [])]
			.map((r) => ({ region: r.region, participants: r.participants ?? 0 }))
			.sort((a, b) => b.participants - a.participants);
		paint();
	}, 30_000);
	return { refresh: (/** @type {number} */ delay) => p.now(delay) };
}
