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
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { build } from "esbuild";
import { Log, LogLevel, Miniflare } from "miniflare";

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
const compatibilityDate = /compatibility_date\s*=\s*"([^"]+)"/.exec(
	readFileSync(join(here, "../wrangler.toml"), "utf8"),
)?.[1];
const mf = new Miniflare({
	modules: true,
	script: bundle.outputFiles[0].text,
	compatibilityDate,
	compatibilityFlags: ["nodejs_compat"],
	durableObjects: { SHARD: { className: "Shard", useSQLite: true } },
	// The request's `cf` object; without this Miniflare would try to download one.
	cf: { country: "CN" },
	log: new Log(LogLevel.WARN),
});
const url = await mf.ready;

/** utime + stime of the workerd Miniflare started, in milliseconds. */
function workerdPid() {
	const children = readFileSync(`/proc/${process.pid}/task/${process.pid}/children`, "utf8").trim().split(/\s+/);
	for (const pid of children) {
		if (readFileSync(`/proc/${pid}/comm`, "utf8").startsWith("workerd")) return pid;
	}
	throw new Error("no workerd started by this process");
}
const pid = workerdPid();
const ticksPerMs = 100 / 1000;
const cpuMs = () => {
	const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
	const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
	return (Number(fields[11]) + Number(fields[12])) / ticksPerMs;
};

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
console.log("against:");
for (const [measured, against] of PAIRS) {
	const ratio = us.get(measured) / us.get(against);
	console.log(`  ${ratio.toFixed(2).padStart(5)} ×  ${measured}  ÷  ${against}`);
}
