// Builds the blessing map's data from world-atlas (Natural Earth): the outline of the world's land,
// pre-projected to SVG paths, and one point per region, so that the pages draw the map without d3.
// Only the land object is drawn. Country shapes are read for their centroids alone and never
// become paths: a map published for a ceremony in mainland China must not draw national borders
// that differ from the standard maps (标准地图), and an outline of land draws none.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { geoArea, geoCentroid, geoEqualEarth, geoPath } from "d3-geo";
import countries from "i18n-iso-countries";
import { feature } from "topojson-client";

const require = createRequire(import.meta.url);

export const WIDTH = 960;
/** Pacific-centred, as world maps published in China are, so that no continent but Greenland is cut. */
export const CENTRAL_MERIDIAN = 150;

/** @param {string} file */
function atlas(file) {
	return JSON.parse(readFileSync(require.resolve(`world-atlas/${file}`), "utf8"));
}

/** @param {string} pkg */
function version(pkg) {
	return JSON.parse(readFileSync(require.resolve(`${pkg}/package.json`), "utf8")).version;
}

/**
 * A polygon's area on the sphere; a ring wound the wrong way (a few in Natural Earth) would
 * otherwise count as the whole sphere less the island.
 * @param {GeoJSON.Polygon} p
 */
function area(p) {
	const a = geoArea(p);
	return Math.min(a, 4 * Math.PI - a);
}

/**
 * The polygons of a shape.
 * @param {GeoJSON.Geometry | null} g
 * @returns {GeoJSON.Polygon[]}
 */
function polygons(g) {
	if (g?.type === "Polygon") return [g];
	if (g?.type === "MultiPolygon") return g.coordinates.map((coordinates) => ({ type: "Polygon", coordinates }));
	return [];
}

/** @param {number} v */
const round = (v) => Math.round(v * 10) / 10;

/**
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
 * @returns {BlessingMapData}
 */
export function buildBlessingMap() {
	const landTopo = atlas("land-110m.json");
	const land = feature(landTopo, landTopo.objects.land);
	/** @type {GeoJSON.Sphere} */
	const sphere = { type: "Sphere" };
	const projection = geoEqualEarth()
		.rotate([-CENTRAL_MERIDIAN, 0])
		.fitWidth(WIDTH - 2, sphere)
		.translate([WIDTH / 2, 0]);
	const [[, top], [, bottom]] = geoPath(projection).bounds(sphere);
	const height = Math.ceil(bottom - top) + 2;
	projection.translate([WIDTH / 2, height / 2]);
	const path = geoPath(projection).digits(0);

	const countryTopo = atlas("countries-10m.json");
	const shapes = feature(countryTopo, countryTopo.objects.countries).features;
	// A region's main polygon: its largest, so that its point lies on its main land rather than
	// between its islands or overseas parts (France's centroid would otherwise lie in the Atlantic).
	// Several shapes may share a code (Australia and its Ashmore and Cartier Islands).
	/** @type {Map<string, {polygon: GeoJSON.Polygon, area: number}>} */
	const byNumeric = new Map();
	for (const f of shapes) {
		if (f.id === undefined) continue;
		for (const polygon of polygons(f.geometry)) {
			const a = area(polygon);
			const best = byNumeric.get(String(f.id));
			if (!best || a > best.area) byNumeric.set(String(f.id), { polygon, area: a });
		}
	}

	/** @type {Record<string, [number, number]>} */
	const centroids = {};
	/** @type {string[]} */
	const unplaced = [];
	for (const code of Object.keys(countries.getAlpha2Codes()).sort()) {
		const numeric = countries.alpha2ToNumeric(code);
		const main = numeric ? byNumeric.get(numeric) : undefined;
		const xy = main ? projection(geoCentroid(main.polygon)) : null;
		if (xy) centroids[code] = [round(xy[0]), round(xy[1])];
		else unplaced.push(code);
	}
	const landPolygons = land.features.reduce((n, f) => n + polygons(f.geometry).length, 0);
	return {
		source:
			`world-atlas@${version("world-atlas")} (Natural Earth, public domain): land-110m.json objects.land ` +
			"drawn; countries-10m.json used only for the centroids of their main polygons",
		projection: `Equal Earth, central meridian ${CENTRAL_MERIDIAN}°E`,
		width: WIDTH,
		height,
		sphere: path(sphere) ?? "",
		land: path(land) ?? "",
		landPolygons,
		centroids,
		unplaced,
	};
}
