#!/usr/bin/env node
// Bundles the participant page's script (public/app/main.js and every module it imports) into
// public/bundle/: main.js, plus one file for each module the page imports only when needed (the
// blessing map's drawing, the certificate's PNG, the QR code). The page then fetches and compiles
// one script instead of about thirty modules, each of which cost a slow phone a request and a few
// main-thread tasks while the first view was drawn. The sources stay plain modules: they are what
// is read, type-checked and tested, and the Worker renders the first view from them.
// wrangler runs this before `wrangler dev` and `wrangler deploy` ([build] in wrangler.toml).
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const result = await build({
	absWorkingDir: root,
	entryPoints: ["public/app/main.js"],
	outdir: "public/bundle",
	bundle: true,
	splitting: true,
	format: "esm",
	entryNames: "[name]",
	chunkNames: "[name]",
	minify: true,
	legalComments: "none",
	metafile: true,
	logLevel: "warning",
});
const sizes = Object.entries(result.metafile.outputs).map(
	([file, out]) => `${file.replace("public/", "/")} ${out.bytes} B`,
);
console.log(`built the participant page's script: ${sizes.join(", ")}`);
