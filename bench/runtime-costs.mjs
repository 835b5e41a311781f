#!/usr/bin/env node
// `npm run bench:runtime`: what single operations of the runtime cost in workerd, each against the
// operation it replaces or adds to, in the same workerd and the same minutes. The action path's
// choices of a timer, an answer's headers and a token's HMAC rest on these figures.
//
// Every case runs `--n` operations (64 at a time, as under load) inside one request, and is
// measured by workerd's CPU time (all its threads, /proc/<pid>/stat) over `--repeat` such
// requests, less the CPU of the same requests doing nothing; the cases run in turns over
// `--rounds` rounds, and each figure is the median of its rounds.
// Options: --n N (2000), --repeat N (5), --rounds N (5).
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { build } from "esbuild";
import { Log, LogLevel, Miniflare } from "miniflare";
import { cpuMsOf, newWorkerd, workerdPids, workerOptionsFromConfig } from "./lib/server.mjs";

const { values: args } = parseArgs({
	options: {
		n: { type: "string", default: "2000" },
		repeat: { type: "string", default: "5" },
		rounds: { type: "string", default: "5" },
	},
});
const n = Number(args.n);
const repeat = Number(args.repeat);
const rounds = Number(args.rounds);
const here = dirname(fileURLToPath(import.meta.url));

/** Each comparison: the case that is measured, and the case it is set against. */
const PAIRS = [
	["answer, headers as a list of pairs", "answer, no headers"],
	["answer, headers made once as a Headers", "answer, no headers"],
	["answer, headers made once as a Headers", "answer, headers as a list of pairs"],
	["timer that fires: setTimeout", "timer that fires: scheduler.wait"],
	["timer set and cleared: setTimeout", "timer that fires: setTimeout"],
	["request, body read with text()", "request, body not read"],
	["token HMAC: @noble/hashes, key prepared once", "token HMAC: WebCrypto verify"],
	["RPC to a Durable Object, a batch of 5 actions", "RPC to a Durable Object, no arguments"],
];
const CASES = [...new Set(["nothing", ...PAIRS.flat()])];

const bundle = await build({
	entryPoints: [join(here, "runtime-costs/worker.mjs")],
	bundle: true,
	format: "esm",
	write: false,
	external: ["cloudflare:*"],
	logLevel: "error",
});
// The service's own compatibility date and flags (wrangler.toml), so the runtime behaves as it does.
const { compatibilityDate, compatibilityFlags } = workerOptionsFromConfig();
const workerdsBefore = new Set(workerdPids());
const mf = new Miniflare({
	modules: true,
	script: bundle.outputFiles[0].text,
	compatibilityDate,
	compatibilityFlags,
	durableObjects: { SHARD: { className: "Shard", useSQLite: true } },
	// The request's `cf` object; without this Miniflare would try to download one.
	cf: { country: "CN" },
	log: new Log(LogLevel.WARN),
});
const url = await mf.ready;
const pid = newWorkerd(workerdsBefore);
if (pid === null) throw new Error("no workerd started by this process");
const cpuMs = () => cpuMsOf(pid);

async function measure(name, count) {
	const before = cpuMs();
	for (let i = 0; i < repeat; i++) {
		const res = await mf.dispatchFetch(`${url.origin}/?case=${encodeURIComponent(name)}&n=${count}`);
		if ((await res.text()) !== "ok") throw new Error(`${name}: ${res.status}`);
	}
	return cpuMs() - before;
}

const samples = new Map(CASES.map((name) => [name, []]));
try {
	for (const name of CASES) await measure(name, Math.min(n, 200)); // warm-up
	for (let round = 0; round < rounds; round++) {
		for (const name of round % 2 ? [...CASES].reverse() : CASES) {
			const empty = await measure("nothing", 0);
			const full = await measure(name, n);
			samples.get(name).push(((full - empty) * 1000) / (n * repeat));
		}
	}
} finally {
	await mf.dispose();
}

const median = (xs) => {
	const s = [...xs].sort((a, b) => a - b);
	return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const us = new Map([...samples].map(([name, xs]) => [name, median(xs)]));
console.log(`runtime costs: ${n} operations × ${repeat} requests, ${rounds} rounds, median µs of workerd CPU each`);
for (const name of CASES) console.log(`  ${us.get(name).toFixed(1).padStart(7)} µs  ${name}`);
// /proc counts CPU in ticks of 10 ms: a figure below one tick spread over the operations is noise.
const resolutionUs = 10_000 / (n * repeat);
console.log(`against (a figure under ${resolutionUs.toFixed(1)} µs is below /proc's resolution):`);
for (const [measured, against] of PAIRS) {
	const [a, b] = [us.get(measured), us.get(against)];
	const ratio = a < resolutionUs || b < resolutionUs ? "  —  " : (a / b).toFixed(2).padStart(5);
	console.log(`  ${ratio} ×  ${measured}  ÷  ${against}`);
}
