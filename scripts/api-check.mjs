#!/usr/bin/env node
// The API as its users' tools meet it, against the document the running service serves:
//   --lint    Redocly CLI (recommended rules) and Spectral (spectral:oas): no error and no warning;
//   --client  the example media client: its types regenerated with openapi-typescript (and equal to
//             the committed ones), type-checked with --strict, then run against the service with
//             seeded participants, offerings and blessings.
// With neither flag, both. The document is written to test-output/openapi.json.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { COMMITTEE_TOKEN, fetchFresh as fetch, MEDIA_KEY, startService } from "./service.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const bin = (name) => join(root, "node_modules/.bin", name);
const args = new Set(process.argv.slice(2));
const all = !args.has("--lint") && !args.has("--client");
const docPath = join(root, "test-output/openapi.json");
const clientTypes = join(root, "examples/media-client/src/api.d.ts");
const toolEnv = { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true", NO_COLOR: "1" };

function run(command, commandArgs, options = {}) {
	console.log(`$ ${[command, ...commandArgs].map((a) => a.replace(root, ".")).join(" ")}`);
	const result = spawnSync(command, commandArgs, { cwd: root, env: toolEnv, encoding: "utf8", ...options });
	if (result.error) throw result.error;
	return result;
}

/** Redocly CLI exits 0 on warnings, so its JSON report is counted too. */
function redocly() {
	const shown = run(bin("redocly"), ["lint", "--config", "redocly.yaml", docPath], { stdio: "inherit" });
	const report = run(bin("redocly"), ["lint", "--config", "redocly.yaml", "--format=json", docPath]);
	const totals = JSON.parse(report.stdout.slice(report.stdout.indexOf("{"))).totals;
	console.log(`redocly: ${totals.errors} errors, ${totals.warnings} warnings`);
	return shown.status === 0 && totals.errors === 0 && totals.warnings === 0;
}

function spectral() {
	const result = run(bin("spectral"), ["lint", "--ruleset", ".spectral.yaml", "--fail-severity=warn", docPath], {
		stdio: "inherit",
	});
	console.log(`spectral: exit ${result.status}`);
	return result.status === 0;
}

const post = async (url, path, body, headers = {}) => {
	const res = await fetch(`${url}${path}`, {
		method: path.endsWith("/me") ? "PUT" : "POST",
		headers: { "content-type": "application/json", ...headers },
		body: JSON.stringify(body),
	});
	if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
	return res.json();
};

/** Participants in three regions with offerings and blessings, published on the wall. */
async function seed(url, year) {
	const regions = ["CN", "TW", "US"];
	const messages = ["国泰民安", "天下一家", "同根同祖", "风调雨顺", "薪火相传"];
	for (const [i, message] of messages.entries()) {
		const { token } = await post(url, "/api/v1/participants", {}, { authorization: `Bearer ${COMMITTEE_TOKEN}` });
		const auth = { authorization: `Bearer ${token}` };
		await post(url, `/api/v1/ceremonies/${year}/participants/me`, { region: regions[i % regions.length] }, auth);
		for (const type of ["flower", "incense"]) {
			await post(
				url,
				`/api/v1/ceremonies/${year}/actions`,
				{ type },
				{ ...auth, "idempotency-key": `seed-${type}-${i}` },
			);
		}
		await post(
			url,
			`/api/v1/ceremonies/${year}/actions`,
			{ type: "blessing", message },
			{ ...auth, "idempotency-key": `seed-b-${i}` },
		);
	}
	const deadline = Date.now() + 60_000;
	while (Date.now() < deadline) {
		const stats = await (await fetch(`${url}/api/v1/ceremonies/${year}/stats`)).json();
		if (stats.participants === messages.length && stats.blessingsPublished === messages.length) return stats;
		await new Promise((r) => setTimeout(r, 500));
	}
	throw new Error("the seeded offerings did not reach the totals within 60 s");
}

async function client(url) {
	// The committed types must be what openapi-typescript makes of the served document.
	const generated = join(root, "test-output/api.d.ts");
	const gen = run(bin("openapi-typescript"), [docPath, "-o", generated], { stdio: "inherit" });
	if (gen.status !== 0) return false;
	if (readFileSync(generated, "utf8") !== readFileSync(clientTypes, "utf8")) {
		if (!args.has("--write")) {
			console.error(
				"examples/media-client/src/api.d.ts differs from the served document's types: run `npm run api:client -- --write`",
			);
			return false;
		}
		writeFileSync(clientTypes, readFileSync(generated, "utf8"));
		console.log("examples/media-client/src/api.d.ts: written from the served document");
	}
	const tsc = run(bin("tsc"), ["-p", "examples/media-client", "--strict"], { stdio: "inherit" });
	if (tsc.status !== 0) return false;

	const { year } = await (await fetch(`${url}/api/v1/ceremonies/current`)).json();
	const seeded = await seed(url, year);
	const example = run(process.execPath, [join(root, "test-output/media-client/main.js")], {
		env: { ...toolEnv, BAIZU_API: url, BAIZU_API_KEY: MEDIA_KEY },
	});
	process.stdout.write(example.stdout);
	process.stderr.write(example.stderr);
	if (example.status !== 0) return false;
	const summary = JSON.parse(example.stdout.trim().split("\n").at(-1));
	const expected = { year, participants: seeded.participants, regions: 3, blessings: 5, pages: 3 };
	const wrong = Object.entries(expected).filter(([key, value]) => summary[key] !== value);
	if (wrong.length > 0 || summary.points < 1) {
		console.error(`the example client saw ${JSON.stringify(summary)}, expected ${JSON.stringify(expected)}`);
		return false;
	}
	console.log("media client: ok");
	return true;
}

mkdirSync(dirname(docPath), { recursive: true });
const service = await startService();
let ok = true;
try {
	const res = await fetch(`${service.baseURL}/api/openapi.json`);
	if (!res.ok) throw new Error(`/api/openapi.json answered ${res.status}`);
	writeFileSync(docPath, await res.text());
	console.log(`the served document: ${docPath.replace(root, ".")}`);
	if (all || args.has("--lint")) ok = redocly() && ok;
	if (all || args.has("--lint")) ok = spectral() && ok;
	if (all || args.has("--client")) ok = (await client(service.baseURL)) && ok;
} finally {
	service.stop();
}
if (!ok) process.exit(1);
