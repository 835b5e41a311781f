/**
 * The time series of offerings (uPlot, vendored): the last hour by minute, or the last 24 hours by
 * minute or by hour, in Beijing time. Fetched from the public, edge-cached timeseries endpoint;
 * refreshed a little after the live totals change, and every 30 s to roll the window.
 */
import vendoredPlot from "../vendor/uplot.mjs";

/** The vendored build, typed by the npm package's declarations. */
const uPlot = /** @type {typeof import("uplot")} */ (/** @type {unknown} */ (vendoredPlot));

import { readTimeseries } from "./answers.js";
import { api } from "./api.js";
import { BEIJING, fmtInt } from "./dom.js";

const MINUTE = 60_000;
const HOUR = 3_600_000;
export const RANGES = {
	hour: { interval: "1m", step: MINUTE, buckets: 60, zh: "最近一小时", en: "last hour" },
	day: { interval: "1m", step: MINUTE, buckets: 24 * 60, zh: "最近 24 小时", en: "last 24 hours" },
	dayHourly: { interval: "1h", step: HOUR, buckets: 24, zh: "最近 24 小时", en: "last 24 hours" },
};
/** @typedef {keyof typeof RANGES} RangeKey */

/**
 * @param {string | undefined} key
 * @returns {key is RangeKey}
 */
export const isRange = (key) => key !== undefined && Object.hasOwn(RANGES, key);

const TYPES = /** @type {const} */ (["flower", "incense", "bow", "blessing"]);
const SERIES = [
	{ key: "flower", label: "花篮 Flower", stroke: "#b3261e" },
	{ key: "incense", label: "上香 Incense", stroke: "#b07000" },
	{ key: "bow", label: "拜礼 Bow", stroke: "#1f5a96" },
	{ key: "blessing", label: "祈福 Blessing", stroke: "#2f6b2f" },
];

const axisFormat = new Intl.DateTimeFormat("en-GB", {
	timeZone: BEIJING,
	month: "2-digit",
	day: "2-digit",
	hour: "2-digit",
	minute: "2-digit",
	hourCycle: "h23",
});

const REFRESH_AFTER_CHANGE_MS = 2500;
const REFRESH_EVERY_MS = 30_000;

export class ActionsChart {
	/**
	 * @param {HTMLElement} el
	 * @param {number} year
	 */
	constructor(el, year) {
		this.el = el;
		this.year = year;
		/** @type {RangeKey} */
		this.range = "hour";
		/** @type {import("uplot") | null} */
		this.plot = null;
		this.loading = false;
		this.again = false;
		/** @type {ReturnType<typeof setTimeout> | undefined} */
		this.soon = undefined;
		this.timer = setInterval(() => void this.refresh(), REFRESH_EVERY_MS);
		this.resize = new ResizeObserver(() => this.fit());
		this.resize.observe(el);
		/** @type {((summary: string) => void) | null} */
		this.onSummary = null;
	}

	destroy() {
		clearInterval(this.timer);
		clearTimeout(this.soon);
		this.resize.disconnect();
		this.plot?.destroy();
		this.plot = null;
	}

	/** @param {RangeKey} range */
	setRange(range) {
		if (!(range in RANGES)) return;
		this.range = range;
		this.plot?.destroy();
		this.plot = null;
		void this.refresh();
	}

	/** The live totals changed: refresh soon (coalesced). */
	changed() {
		if (this.soon) return;
		this.soon = setTimeout(() => {
			this.soon = undefined;
			void this.refresh();
		}, REFRESH_AFTER_CHANGE_MS);
	}

	size() {
		const width = Math.max(280, Math.floor(this.el.clientWidth || 600));
		const height = width < 600 ? 220 : 300;
		return { width, height };
	}

	fit() {
		if (this.plot) this.plot.setSize(this.size());
	}

	async refresh() {
		if (this.loading) {
			this.again = true;
			return;
		}
		this.loading = true;
		try {
			const r = RANGES[this.range];
			const end = Math.floor(Date.now() / r.step) * r.step; // start of the current bucket
			const start = end - (r.buckets - 1) * r.step;
			const q = new URLSearchParams({
				interval: r.interval,
				from: new Date(start).toISOString(),
				to: new Date(end + r.step).toISOString(),
			});
			const data = readTimeseries(await api(`/ceremonies/${this.year}/stats/timeseries?${q}`, { auth: false }));
			/** @type {Map<number, import("./answers.js").ActionCounts>} */
			const byAt = new Map();
			for (const p of data.points) byAt.set(Date.parse(p.at), p.actions);
			const xs = [];
			/** @type {number[][]} */
			const ys = TYPES.map(() => []);
			let total = 0;
			let peak = 0;
			for (let t = start; t <= end; t += r.step) {
				xs.push(t / 1000);
				const a = byAt.get(t);
				let sum = 0;
				TYPES.forEach((type, i) => {
					const v = a ? Number(a[type]) || 0 : 0;
					ys[i]?.push(v);
					sum += v;
				});
				total += sum;
				peak = Math.max(peak, sum);
			}
			this.draw([xs, ...ys]);
			const per = r.step === MINUTE ? "每分钟 per minute" : "每小时 per hour";
			const label = `拜祖趋势图：${r.zh}共 ${fmtInt(total)} 次，峰值 ${fmtInt(peak)} 次（${per}）。Actions over time, ${r.en}: ${fmtInt(total)} in all, peak ${fmtInt(peak)} ${r.step === MINUTE ? "per minute" : "per hour"}.`;
			this.el.setAttribute("aria-label", label);
			this.onSummary?.(label);
		} catch (e) {
			console.warn("timeseries", e);
		} finally {
			this.loading = false;
			if (this.again) {
				this.again = false;
				void this.refresh();
			}
		}
	}

	/** @param {number[][]} data */
	draw(data) {
		if (this.plot) {
			this.plot.setData(/** @type {import("uplot").AlignedData} */ (data));
			return;
		}
		const hourly = RANGES[this.range].step === HOUR;
		/** @type {import("uplot").Options} */
		const opts = {
			...this.size(),
			tzDate: (/** @type {number} */ ts) => uPlot.tzDate(new Date(ts * 1000), BEIJING),
			cursor: { drag: { x: false, y: false } },
			legend: { live: true },
			scales: {
				x: { time: true },
				y: {
					range: (/** @type {unknown} */ _u, /** @type {number} */ _min, /** @type {number} */ max) => [
						0,
						Math.max(5, Math.ceil(max * 1.1)),
					],
				},
			},
			axes: [
				{
					stroke: "#55483b",
					grid: { stroke: "#eadfc6" },
					// 24-hour Beijing time; the date where a day starts (and on the first tick).
					values: (/** @type {unknown} */ _u, /** @type {number[]} */ splits) =>
						splits.map((ts, i) => {
							const parts = Object.fromEntries(
								axisFormat.formatToParts(new Date(ts * 1000)).map((p) => [p.type, p.value]),
							);
							const hm = `${parts.hour}:${parts.minute}`;
							return i === 0 || hm === "00:00" ? `${hm}\n${parts.month}-${parts.day}` : hm;
						}),
				},
				{
					stroke: "#55483b",
					grid: { stroke: "#eadfc6" },
					size: 60,
					values: (/** @type {unknown} */ _u, /** @type {number[]} */ splits) =>
						splits.map((v) => (Number.isInteger(v) ? fmtInt(v) : "")),
				},
			],
			series: [
				{ label: hourly ? "时间 Time" : "时间 Time", value: hourly ? "{MM}-{DD} {HH}:00" : "{HH}:{mm}" },
				...SERIES.map((s) => ({
					label: s.label,
					stroke: s.stroke,
					width: 2,
					points: { show: false },
					value: (/** @type {unknown} */ _u, /** @type {number | null} */ v) => (v == null ? "—" : fmtInt(v)),
				})),
			],
		};
		this.el.replaceChildren();
		this.plot = new uPlot(opts, /** @type {import("uplot").AlignedData} */ (data), this.el);
	}
}
