#!/usr/bin/env node
// `npm run bench:ab -- --base DIR`: the CPU of an action in this checkout against another one
// (DIR: a checkout of the code to compare with, its packages installed), in the same minutes.
//
// On a shared machine the CPU's speed drifts by a third from one minute to the next, so two runs
// made one after the other cannot resolve a change of 5-10 %. Here both services run at once, each
// in its own workerd, and take the load in turns: short slices of actions, alternating which goes
// first, each measured by its workerd's main-thread CPU time (where every isolate's JavaScript
// runs) over the actions it acknowledged. A drift longer than a slice falls on both alike.
// Every slice's actions must all be answered 201; the figures are the sums over all slices, and
// the two sides' slices of each round, run back to back, give a paired ratio whose mean is printed
// with a bootstrap interval: a change whose interval holds 0 is not resolved by the run.
// Options: --base DIR (required), --slice S (3), --rounds N (8), --shards N (8), --connections N (64),
// --direct (both services take the load on the Worker's own socket, without Miniflare's entry
// worker, whose 0.2-0.3 ms a request and collections both sides pay otherwise; the base's
// bench/lib/server.mjs must know the option).
import { dirname, relative, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { measureHealthz, mintParticipants, runActions } from "./lib/load.mjs";
import { mainThreadCpuMs, startService } from "./lib/server.mjs";

const { values: args } = parseArgs({
	options: {
		base: { type: "string" },
		slice: { type: "string", default: "3" },
		rounds: { type: "string", default: "8" },
		shards: { type: "string", default: "8" },
		connections: { type: "string", default: "64" },
		direct: { type: "boolean", default: false },
	},
});
if (!args.base) throw new Error("--base DIR: a checkout of the code to compare with");
const slice = Number(args.slice);
const rounds = Number(args.rounds);
const shards = Number(args.shards);
const connections = Number(args.connections);
const ours = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const base = resolve(args.base);
const ACTIONS_PER_S = 2_500;

/** The deepest directory holding both checkouts: Miniflare names modules relative to the working directory. */
function commonDirectory(a, b) {
	const left = a.split(sep);
	const right = b.split(sep);
	let n = 0;
	while (n < left.length && left[n] === right[n]) n++;
	return left.slice(0, n).join(sep) || sep;
}

async function prepare(name, service) {
	const { url } = service;
	const year = (await (await fetch(`${url}/api/v1/ceremonies/current`)).json()).year;
	const perSlice = Math.ceil((slice * ACTIONS_PER_S) / 4);
	const tokens = await mintParticipants(url, perSlice * (rounds + 1));
	// A warm-up slice, not measured.
	await runActions({
		url,
		year,
		tokens: tokens.slice(0, perSlice),
		tag: "warm",
		duration: slice,
		connections,
		watch: false,
	});
	return { name, service, year, tokens, perSlice, used: 1, cpuMs: 0, actions: 0, healthzMs: 0, healthz: 0, slices: [] };
}

async function measure(side, round) {
	const { service, year } = side;
	const cpu = () => mainThreadCpuMs(service.pid);
	let before = cpu();
	const healthz = await measureHealthz(service.url, { duration: 1, connections });
	side.healthzMs += cpu() - before;
	side.healthz += healthz.ok;
	const tokens = side.tokens.slice(side.used * side.perSlice, (side.used + 1) * side.perSlice);
	side.used++;
	before = cpu();
	const run = await runActions({
		url: service.url,
		year,
		tokens,
		tag: `ab-${round}`,
		duration: slice,
		connections,
		watch: false,
	});
	const used = cpu() - before;
	const refused = Object.entries(run.statuses).filter(([status]) => status !== "201");
	if (refused.length > 0) throw new Error(`${side.name}: answers other than 201: ${JSON.stringify(run.statuses)}`);
	side.cpuMs += used;
	side.actions += run.acknowledgedInRun;
	side.slices.push({ perSecond: run.perSecond, msPerAction: used / run.acknowledgedInRun });
}

const median = (values) => values.slice().sort((a, b) => a - b)[Math.floor(values.length / 2)];

/**
 * The 5th and 95th percentiles of the mean of `values` over 2,000 resamples with replacement, drawn
 * with a fixed seed so that the same slices print the same interval.
 */
function bootstrapInterval(values, resamples = 2_000) {
	let seed = 1;
	const random = () => {
		seed = (seed * 48_271) % 2_147_483_647;
		return seed / 2_147_483_647;
	};
	const means = [];
	for (let r = 0; r < resamples; r++) {
		let sum = 0;
		for (let i = 0; i < values.length; i++) sum += values[Math.floor(random() * values.length)];
		means.push(sum / values.length);
	}
	means.sort((a, b) => a - b);
	return [means[Math.floor(resamples * 0.05)], means[Math.floor(resamples * 0.95)]];
}

async function main() {
	process.chdir(commonDirectory(ours, base));
	const { startService: startBase } = await import(pathToFileURL(`${base}/bench/lib/server.mjs`).href);
	// The base first: a checkout older than this tool takes the first workerd it finds as its own.
	const baseService = await startBase({ shards, direct: args.direct });
	if (args.direct && baseService.direct !== true) {
		await baseService.stop();
		throw new Error("--direct: the base checkout's bench/lib/server.mjs has no direct sockets (8e1ade6 or later has)");
	}
	const ourService = await startService({ shards, direct: args.direct });
	if (!baseService.pid || !ourService.pid || baseService.pid === ourService.pid) {
		throw new Error("cannot tell the two workerd processes apart");
	}
	console.log(`ab: ${relative(process.cwd(), base)} (base) against ${relative(process.cwd(), ours)} (this checkout)`);
	console.log(
		`${rounds} rounds of ${slice} s slices, ${connections} connections, ${shards} shards, ${args.direct ? "direct sockets" : "through Miniflare's entry worker"}`,
	);
	try {
		const sides = [await prepare("base", baseService), await prepare("this", ourService)];
		for (let round = 0; round < rounds; round++) {
			for (const side of round % 2 ? [...sides].reverse() : sides) await measure(side, round);
		}
		for (const side of sides) {
			const perAction = side.cpuMs / side.actions;
			console.log(
				`${side.name.padEnd(5)} ${side.actions} actions: main thread ${perAction.toFixed(3)} ms/action (slices: median ${median(side.slices.map((s) => s.msPerAction)).toFixed(3)}), ${median(side.slices.map((s) => s.perSecond)).toFixed(0)} actions/s median; /healthz ${(side.healthzMs / side.healthz).toFixed(3)} ms/request`,
			);
		}
		const [b, t] = sides;
		const change = (t.cpuMs / t.actions / (b.cpuMs / b.actions) - 1) * 100;
		console.log(
			`this checkout: ${change >= 0 ? "+" : ""}${change.toFixed(1)} % main-thread CPU per action against the base`,
		);
		// The two sides' slices of one round ran back to back: their ratio is the paired measure.
		const ratios = t.slices.map((slice, i) => slice.msPerAction / b.slices[i].msPerAction);
		const [low, high] = bootstrapInterval(ratios);
		const percent = (r) => `${r >= 1 ? "+" : ""}${((r - 1) * 100).toFixed(1)} %`;
		console.log(
			`paired by round: median ${percent(median(ratios))}, 90 % interval of the mean ${percent(low)} to ${percent(high)} (${ratios.length} rounds)${low <= 1 && high >= 1 ? ": not resolved, the interval holds 0" : ""}`,
		);
	} finally {
		await baseService.stop();
		await ourService.stop();
	}
}

await main();
