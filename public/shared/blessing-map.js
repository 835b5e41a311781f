/**
 * The blessing map (祈福地图), drawn for the participant page and the committee console: a circle per
 * region whose area is proportional to its participants, at the region's centroid, over an outline
 * of the world's land that draws no national borders. The data (land paths and centroids, already
 * projected) is public/vendor/blessing-map.json, built by `npm run vendor` from world-atlas; this
 * module is loaded only when a map comes into view.
 */

const SVG = "http://www.w3.org/2000/svg";
export const MAP_DATA_URL = "/vendor/blessing-map.json";

/** Radius of the largest region's circle and the smallest drawn radius, in map units (960 wide). */
const R_MAX = 42;
const R_MIN = 2.5;
/** Labels are drawn at this size on screen, whatever the map's width. */
const LABEL_PX = 13;
const MAX_LABELS = 8;

/**
 * @typedef {{region: string, participants: number}} RegionCount
 * @typedef {{
 *   source: string,
 *   projection: string,
 *   width: number,
 *   height: number,
 *   sphere: string,
 *   land: string,
 *   landPolygons: number,
 *   centroids: Record<string, [number, number]>,
 *   unplaced: string[],
 * }} BlessingMapData
 * @typedef {{
 *   title: string,
 *   description: string,
 *   label: (r: RegionCount) => string,
 *   tooltip: (r: RegionCount) => string,
 * }} MapText
 * @typedef {{x: number, y: number, w: number, h: number}} Box
 * @typedef {{update: (regions: RegionCount[], text: MapText) => {drawn: RegionCount[], unplaced: RegionCount[]}}} BlessingMap
 */

/** @type {Promise<BlessingMapData> | null} */
let loading = null;

/** The map's data, fetched once per page; a failed fetch is tried again on the next call. */
export function loadMapData() {
	loading ??= fetch(MAP_DATA_URL).then(async (res) => {
		if (!res.ok) throw new Error(`blessing map data: HTTP ${res.status}`);
		return /** @type {BlessingMapData} */ (await res.json());
	});
	loading.catch(() => {
		loading = null;
	});
	return loading;
}

/**
 * @param {string} tag
 * @param {Record<string, string | number>} attrs
 * @returns {SVGElement}
 */
function svg(tag, attrs) {
	const el = /** @type {SVGElement} */ (document.createElementNS(SVG, tag));
	for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
	return el;
}

/** Regions with a place on the map, largest first; the unknown region (XX) has none. */
const drawable = (/** @type {RegionCount} */ r) => r.participants > 0 && r.region !== "XX";

/**
 * A rough width of a label in ems: CJK characters are a full em, others about half.
 * @param {string} s
 */
function ems(s) {
	let w = 0;
	for (const ch of s) w += /[\u2E80-\u9FFF\uF900-\uFAFF\uFF00-\uFFEF]/.test(ch) ? 1 : 0.56;
	return w;
}

/** @param {Box} a @param {Box} b */
const overlaps = (a, b) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

/**
 * Draws the map into `host` (an element whose box is already reserved with the map's aspect ratio)
 * and returns a function that redraws the circles and labels for new counts or another language.
 * @param {HTMLElement} host
 * @param {BlessingMapData} data
 * @returns {BlessingMap}
 */
export function createBlessingMap(host, data) {
	const id = host.id || "blessing-map";
	const root = /** @type {SVGSVGElement} */ (
		svg("svg", {
			viewBox: `0 0 ${data.width} ${data.height}`,
			role: "img",
			"aria-labelledby": `${id}-title`,
			"aria-describedby": `${id}-desc`,
			class: "blessing-map",
			"data-source": data.source,
		})
	);
	const title = svg("title", { id: `${id}-title` });
	const desc = svg("desc", { id: `${id}-desc` });
	const circles = svg("g", { class: "map-circles" });
	const labels = svg("g", { class: "map-labels", "aria-hidden": "true" });
	root.append(
		title,
		desc,
		svg("path", { class: "map-sphere", d: data.sphere, fill: "#f1e9d8", stroke: "#b59a66", "stroke-width": 1 }),
		svg("path", { class: "map-land", d: data.land, fill: "#d9ccb0", stroke: "#a38d63", "stroke-width": 0.5 }),
		circles,
		labels,
	);
	host.replaceChildren(root);

	/** @type {RegionCount[]} */
	let last = [];
	/** @type {MapText | null} */
	let lastText = null;

	/** Places labels for the largest regions where they fit, at a constant size on screen. */
	function placeLabels() {
		if (!lastText) return;
		const text = lastText;
		const scale = data.width / Math.max(1, root.getBoundingClientRect().width || data.width);
		const size = LABEL_PX * scale;
		const max = Math.max(1, ...last.map((r) => r.participants));
		/** @type {Box[]} */
		const taken = [];
		/** @type {SVGElement[]} */
		const nodes = [];
		for (const r of last) {
			if (nodes.length >= MAX_LABELS) break;
			const at = data.centroids[r.region];
			if (!at) continue;
			const s = text.label(r);
			const w = ems(s) * size;
			const radius = radiusOf(r.participants, max);
			// Right of the circle, left of it, below it, above it: the first place that is free.
			const gap = size * 0.3;
			const candidates = [
				{ x: at[0] + radius + gap, y: at[1] + size * 0.35, anchor: "start", left: at[0] + radius + gap },
				{ x: at[0] - radius - gap, y: at[1] + size * 0.35, anchor: "end", left: at[0] - radius - gap - w },
				{ x: at[0], y: at[1] + radius + size * 1.05, anchor: "middle", left: at[0] - w / 2 },
				{ x: at[0], y: at[1] - radius - gap, anchor: "middle", left: at[0] - w / 2 },
			];
			for (const c of candidates) {
				const box = { x: c.left, y: c.y - size * 1.05, w, h: size * 1.2 };
				if (box.x < 0 || box.x + box.w > data.width || box.y < 0 || box.y + box.h > data.height) continue;
				if (taken.some((b) => overlaps(b, box))) continue;
				taken.push(box);
				const t = svg("text", {
					x: c.x.toFixed(1),
					y: c.y.toFixed(1),
					"text-anchor": c.anchor,
					"font-size": size.toFixed(1),
					"data-region": r.region,
					fill: "#1f1a17",
					stroke: "#fffdf7",
					"stroke-width": (size * 0.28).toFixed(1),
					"stroke-linejoin": "round",
					"paint-order": "stroke",
				});
				t.textContent = s;
				nodes.push(t);
				break;
			}
		}
		labels.replaceChildren(...nodes);
	}

	/**
	 * @param {number} n
	 * @param {number} max
	 */
	function radiusOf(n, max) {
		return Math.max(R_MIN, R_MAX * Math.sqrt(n / max));
	}

	/**
	 * @param {RegionCount[]} regions
	 * @param {MapText} text
	 */
	function update(regions, text) {
		const shown = regions.filter(drawable).sort((a, b) => b.participants - a.participants);
		const drawn = shown.filter((r) => data.centroids[r.region]);
		const unplaced = shown.filter((r) => !data.centroids[r.region]);
		const max = Math.max(1, ...drawn.map((r) => r.participants));
		title.textContent = text.title;
		desc.textContent = text.description;
		circles.replaceChildren(
			...drawn.map((r) => {
				const [x, y] = /** @type {[number, number]} */ (data.centroids[r.region]);
				const c = svg("circle", {
					cx: x,
					cy: y,
					r: radiusOf(r.participants, max).toFixed(1),
					"data-region": r.region,
					"data-participants": r.participants,
					fill: "#b3261e",
					"fill-opacity": 0.45,
					stroke: "#7a1710",
					"stroke-width": 1.2,
				});
				const tip = svg("title", {});
				tip.textContent = text.tooltip(r);
				c.append(tip);
				return c;
			}),
		);
		last = drawn;
		lastText = text;
		placeLabels();
		return { drawn, unplaced };
	}

	// Labels keep their size on screen when the map's width changes.
	let width = 0;
	new ResizeObserver(([entry]) => {
		const w = entry?.contentRect.width ?? 0;
		if (Math.abs(w - width) < 1) return;
		width = w;
		placeLabels();
	}).observe(host);

	return { update };
}
