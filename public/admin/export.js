/**
 * Downloads: CSV and JSON of the public statistics endpoints.
 */
import { publicUrl } from "./api.js";
import { $, fmtDateTime } from "./dom.js";

const DAY = 86_400_000;
const MAX_SPAN = 31 * DAY;

/**
 * Points the download links at the ceremony's statistics. The time series covers the ceremony's
 * window up to now (at most 31 days, the endpoint's limit).
 * @param {import("./answers.js").Ceremony} c
 */
export function setExportLinks(c) {
	const y = c.year;
	/** @param {string} id @param {string} path @param {string} file */
	const link = (id, path, file) => {
		const a = /** @type {HTMLAnchorElement} */ ($(id));
		a.href = publicUrl(path);
		a.download = file;
	};
	link("#x-stats-csv", `/ceremonies/${y}/stats?format=csv`, `baizu-${y}-stats.csv`);
	link("#x-stats-json", `/ceremonies/${y}/stats`, `baizu-${y}-stats.json`);
	link("#x-regions-csv", `/ceremonies/${y}/stats/regions?format=csv`, `baizu-${y}-regions.csv`);
	link("#x-regions-json", `/ceremonies/${y}/stats/regions`, `baizu-${y}-regions.json`);
	const opens = Date.parse(c.window?.opensAt);
	const closes = Date.parse(c.window?.closesAt);
	const hour = 3_600_000;
	let to = Math.ceil(Math.min(Number.isFinite(closes) ? closes : Date.now(), Date.now() + 60_000) / hour) * hour;
	let from = Number.isFinite(opens) ? Math.floor(opens / hour) * hour : to - DAY;
	if (from >= to) to = from + hour;
	if (to - from > MAX_SPAN) from = to - MAX_SPAN;
	for (const interval of ["1m", "1h"]) {
		const q = new URLSearchParams({ interval, from: new Date(from).toISOString(), to: new Date(to).toISOString() });
		link(
			`#x-ts-${interval}-csv`,
			`/ceremonies/${y}/stats/timeseries?${q}&format=csv`,
			`baizu-${y}-timeseries-${interval}.csv`,
		);
		link(`#x-ts-${interval}-json`, `/ceremonies/${y}/stats/timeseries?${q}`, `baizu-${y}-timeseries-${interval}.json`);
	}
	$("#x-ts-range").textContent = `${fmtDateTime(from)} – ${fmtDateTime(to)}（北京时间 Beijing time）`;
}
