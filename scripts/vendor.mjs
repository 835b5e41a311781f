#!/usr/bin/env node
// Copies the browser ES module builds that the participant page uses from node_modules into
// public/vendor/, builds the blessing map's data from world-atlas
// (scripts/blessing-map.mjs), and renders public/favicon.svg as the PNG icons the pages link.
// Run with `npm run vendor` after updating a package or the icon.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import sharp from "sharp";
import { buildBlessingMap } from "./blessing-map.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outDir = join(root, "public", "vendor");

/** @type {{pkg: string, from: string, to: string, license: string}[]} */
const files = [
	{ pkg: "uqr", from: "dist/index.mjs", to: "uqr.mjs", license: "LICENSE" },
	{ pkg: "uplot", from: "dist/uPlot.esm.js", to: "uplot.mjs", license: "LICENSE" },
	{ pkg: "uplot", from: "dist/uPlot.min.css", to: "uplot.css", license: "LICENSE" },
	{ pkg: "swagger-ui-dist", from: "swagger-ui-bundle.js", to: "swagger-ui-bundle.js", license: "LICENSE" },
	{ pkg: "swagger-ui-dist", from: "swagger-ui.css", to: "swagger-ui.css", license: "LICENSE" },
];

mkdirSync(outDir, { recursive: true });
for (const f of files) {
	const pkgDir = join(root, "node_modules", f.pkg);
	const { version } = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));
	const body = readFileSync(join(pkgDir, f.from), "utf8");
	const note = `${f.pkg}@${version} (${f.from}), copied by scripts/vendor.mjs; see ${f.to}.LICENSE.txt`;
	// Vendored code is the package's, not ours: the pages' type check (tsconfig.pages.json) skips it.
	const head = f.to.endsWith(".css") ? `/* ${note} */` : `// ${note}\n// @ts-nocheck`;
	writeFileSync(join(outDir, f.to), `${head}\n${body}`);
	copyFileSync(join(pkgDir, f.license), join(outDir, `${f.to}.LICENSE.txt`));
	console.log(`vendored ${f.pkg}@${version} -> public/vendor/${f.to}`);
}

const map = buildBlessingMap();
writeFileSync(join(outDir, "blessing-map.json"), `${JSON.stringify(map)}\n`);
copyFileSync(join(root, "node_modules", "world-atlas", "LICENSE"), join(outDir, "blessing-map.json.LICENSE.txt"));
console.log(
	`built public/vendor/blessing-map.json: ${map.landPolygons} land polygons, ` +
		`${Object.keys(map.centroids).length} centroids, unplaced: ${map.unplaced.join(" ")}`,
);

// The pages link PNG icons rather than the SVG: a browser draws an SVG icon by building an SVG
// document on the page's own main thread, a task a slow phone meets just after the page has loaded.
for (const size of [32, 180]) {
	const file = size === 32 ? "favicon.png" : "apple-touch-icon.png";
	await sharp(join(root, "public", "favicon.svg"), { density: (72 * size) / 64 })
		.resize(size, size)
		.png({ compressionLevel: 9 })
		.toFile(join(root, "public", file));
	console.log(`rendered public/${file} (${size} px) from public/favicon.svg`);
}
