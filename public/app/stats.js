/** Live counters from the cached stats endpoint. */

import { clockTime } from "../shared/plain-formats.js";
import { getStats } from "./api.js";
import { $ } from "./dom.js";
import { fmtNumber, onLangChange, t } from "./i18n.js";
import { poll } from "./poll.js";

/** @type {import("./api.js").Stats | null} */
let last = null;

function paint() {
	if (!last) return;
	$("#stat-participants").textContent = fmtNumber(last.participants);
	for (const k of /** @type {const} */ (["flower", "incense", "bow", "blessing"]))
		$(`#stat-${k}`).textContent = fmtNumber(last.actions?.[k] ?? 0);
	$("#stat-countries").textContent = fmtNumber(last.countries ?? 0);
	const at = last.updatedAt ? new Date(last.updatedAt) : new Date();
	const time = clockTime(at);
	$("#stats-updated").textContent = last.final ? t("stats.final") : t("stats.updated", { time });
}

/**
 * @param {number} year
 * @returns {{refresh: (delay?: number) => void}}
 */
export function startStats(year) {
	onLangChange(paint);
	const p = poll(async () => {
		last = await getStats(year);
		paint();
	}, 5000);
	return { refresh: (delay) => p.now(delay) };
}
