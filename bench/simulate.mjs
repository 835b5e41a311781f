#!/usr/bin/env node
// `npm run bench:simulate`: a discrete-event model of the action path, for the capacity model
// (docs/CAPACITY.md). Shards are single-threaded FIFO servers; a batch of n actions costs
// c0 + c1·n ms of a shard's time. Actions arrive as a Poisson stream, each at one of W Worker
// isolates (uniformly) and bound for one of S shards (the hash of the participant: uniformly).
// Each isolate batches per shard as src/shard-batcher.ts does: a batch opens with the first
// action, is sent when its window is over (or when full), at most `inFlight` batches of a shard
// in flight from one isolate, a batch waiting for a lane keeps taking actions and goes when a
// lane is back; the batch's owner wakes its waiters when the answer comes. The Worker reaches the
// shard in `net` ms each way.
// Printed per shard count: mean batch, shard utilisation, RPCs/s per shard, p50/p99 latency
// (arrival at the Worker to the answer there), and the CeremonyDO's load (snapshot pushes and
// certificate leases per second, from the intervals in durable/shard.ts).
//
// Options (lists are comma-separated): --rate 20000,56000,100000  --shards 8,16,32,64,128,256
//   --isolates 200 (a list too)  --window 4  --max-batch 100  --in-flight 2  --net 10  --c0 1.1  --c1 0.09
//   --duration 5 (simulated seconds after 1 s of warm-up)  --seed 1
//   --limit-rps N (a shard's request ceiling: the per-RPC cost is raised to at least 1000/N ms)
//   --measured FILE (bench/results/latest.json: c1 and workerd's CPU per action, from `npm run bench`;
//   --c1 overrides)  --cost (what a burst of --burst-s seconds costs at each rate and shard count,
//   at Cloudflare's published prices; --rows-written N, --aggregator-rows N, --ceremony-rows N, else
//   from bench/results/profile-after.json)
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import {
	AGGREGATOR_PUSH_INTERVAL_MS,
	EDGE_BATCH_WINDOW_MS,
	FAN_IN,
	MAX_BATCH_SIZE,
	MAX_IN_FLIGHT,
	SHARD_PUSH_INTERVAL_MS,
	simulateTree,
} from "./lib/tree-model.mjs";

const { values: args } = parseArgs({
	options: {
		rate: { type: "string", default: "20000,56000,100000" },
		shards: { type: "string", default: "8,16,32,64,128,256" },
		isolates: { type: "string", default: "200" },
		window: { type: "string", default: String(EDGE_BATCH_WINDOW_MS) },
		"max-batch": { type: "string", default: String(MAX_BATCH_SIZE) },
		"in-flight": { type: "string", default: String(MAX_IN_FLIGHT) },
		net: { type: "string", default: "10" },
		c0: { type: "string", default: "1.1" },
		c1: { type: "string" },
		measured: { type: "string", default: fileURLToPath(new URL("./results/latest.json", import.meta.url)) },
		cost: { type: "boolean", default: false },
		"burst-s": { type: "string", default: "3600" },
		"rows-written": { type: "string" },
		"aggregator-rows": { type: "string" },
		"ceremony-rows": { type: "string" },
		"limit-rps": { type: "string" },
		duration: { type: "string", default: "5" },
		warmup: { type: "string", default: "1" },
		seed: { type: "string", default: "1" },
		"new-share": { type: "string", default: "0.25" },
		json: { type: "boolean", default: false },
		tree: { type: "boolean", default: false },
		colos: { type: "string", default: "300" },
		poll: { type: "string", default: "100" },
	},
});
const list = (s) => s.split(",").map(Number);

/**
 * What `npm run bench` measured (bench/results/latest.json): c1, the cost per action at a shard,
 * and workerd's CPU per action. Null when no run has written the file.
 */
const measured = existsSync(args.measured) ? JSON.parse(readFileSync(args.measured, "utf8")).capacityInputs : null;
/** c1 from the bench unless given; 0.09 ms (the rounded-up calibrations of docs/CAPACITY.md) without either. */
const c1Default = measured?.c1Ms ?? 0.09;
const c1Source = args.c1 !== undefined ? "--c1" : measured ? args.measured : "no bench output: 0.09 ms";

/**
 * Cloudflare's published prices (Workers Standard and Durable Objects on the Workers Paid plan,
 * developers.cloudflare.com/workers/platform/pricing and /durable-objects/platform/pricing), past
 * the monthly inclusions, which a ceremony's hour dwarfs.
 */
const PRICES = {
	workerRequest: 0.3 / 1e6,
	workerCpuMs: 0.02 / 1e6,
	objectRequest: 0.15 / 1e6,
	objectGbS: 12.5 / 1e6,
	rowWritten: 1.0 / 1e6,
	rowRead: 0.001 / 1e6,
};
/** A Durable Object is billed 128 MB for the wall-clock time it is active. */
const OBJECT_GB = 0.128;
const profiled = fileURLToPath(new URL("./results/profile-after.json", import.meta.url));
const rowsFromProfile = existsSync(profiled)
	? JSON.parse(readFileSync(profiled, "utf8")).isolates?.["core:user:baizu-online"]
	: null;
/**
 * The shards' rows written per action, measured by `npm run bench:profile` at its mean batch;
 * without a measurement, 10: the log row and its key, the participant row, a quarter blessing row,
 * the batch's counters.
 */
const ROWS_WRITTEN = Number(args["rows-written"] ?? rowsFromProfile?.sqlRowsPerAction?.ShardDO?.written ?? 10);
const ROWS_SOURCE = args["rows-written"]
	? "--rows-written"
	: rowsFromProfile
		? `${profiled}, at a mean batch of ${rowsFromProfile.meanBatch.toFixed(1)}`
		: "estimate";

/**
 * Rows the tree's parents write per snapshot they receive (`npm run bench:profile`): each shard
 * and each aggregator pushes four a second while it has something new. Without the profile's
 * file, the figures of its run of 2026-11-24 07:42 UTC (docs/CAPACITY.md). Both grow with the
 * regions a snapshot carries.
 */
const TREE_ROWS = {
	aggregator: Number(args["aggregator-rows"] ?? rowsFromProfile?.sqlRowsPerSnapshot?.AggregatorDO?.written ?? 42.4),
	ceremony: Number(args["ceremony-rows"] ?? rowsFromProfile?.sqlRowsPerSnapshot?.CeremonyDO?.written ?? 94.1),
	source: rowsFromProfile?.sqlRowsPerSnapshot ? profiled : "bench:profile of 2026-11-24 07:42 UTC",
};

const MAX_LEASE = 4096;

/** A small deterministic PRNG (mulberry32), so runs repeat. */
function random(seed) {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

/** A binary min-heap of events ordered by time. */
class Events {
	constructor() {
		this.times = [];
		this.items = [];
	}
	get size() {
		return this.times.length;
	}
	push(time, item) {
		const { times, items } = this;
		let i = times.length;
		times.push(time);
		items.push(item);
		while (i > 0) {
			const p = (i - 1) >> 1;
			if (times[p] <= time) break;
			times[i] = times[p];
			items[i] = items[p];
			i = p;
		}
		times[i] = time;
		items[i] = item;
	}
	pop() {
		const { times, items } = this;
		const time = times[0];
		const item = items[0];
		const lastTime = times.pop();
		const lastItem = items.pop();
		const n = times.length;
		if (n > 0) {
			let i = 0;
			for (;;) {
				let c = 2 * i + 1;
				if (c >= n) break;
				if (c + 1 < n && times[c + 1] < times[c]) c++;
				if (times[c] >= lastTime) break;
				times[i] = times[c];
				items[i] = items[c];
				i = c;
			}
			times[i] = lastTime;
			items[i] = lastItem;
		}
		return { time, item };
	}
}

function percentile(sorted, q) {
	if (sorted.length === 0) return Number.NaN;
	return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/**
 * Runs the model once. Times are in ms. Returns latency percentiles, batch and shard figures.
 */
function simulate({
	rate,
	shards,
	isolates,
	windowMs,
	maxBatch,
	inFlight: maxInFlight,
	net,
	c0,
	c1,
	durationS,
	warmupS,
	seed,
	newShare,
}) {
	const rnd = random(seed);
	const endAt = (warmupS + durationS) * 1000;
	const warmAt = warmupS * 1000;
	const events = new Events();
	const lanes = new Map(); // isolate*shards+shard -> { open, inFlight }
	const busyUntil = new Float64Array(shards);
	const busyTime = new Float64Array(shards);
	const latencies = [];
	let rpcs = 0;
	let batchedActions = 0;
	let completed = 0;
	let arrivals = 0;

	const lane = (key) => {
		let l = lanes.get(key);
		if (!l) {
			l = { open: null, inFlight: 0 };
			lanes.set(key, l);
		}
		return l;
	};

	// Event kinds: 0 arrival, 1 window over, 2 batch reaches the shard, 3 answer back at the isolate.
	const send = (t, key, l, batch) => {
		if (l.open === batch) l.open = null;
		batch.sent = true;
		l.inFlight++;
		events.push(t + net, { kind: 2, key, batch });
	};

	const t = -Math.log(1 - rnd()) * (1000 / rate);
	events.push(t, { kind: 0 });
	while (events.size > 0) {
		const { time, item } = events.pop();
		if (time > endAt + 60_000) break;
		switch (item.kind) {
			case 0: {
				if (time < endAt) {
					arrivals++;
					const isolate = Math.floor(rnd() * isolates);
					const shard = Math.floor(rnd() * shards);
					const key = isolate * shards + shard;
					const l = lane(key);
					if (windowMs <= 0) {
						const batch = { shard, arrivals: [time], sent: false };
						send(time, key, l, batch);
					} else {
						if (!l.open) {
							l.open = { shard, arrivals: [], sent: false, flushAt: time + windowMs };
							events.push(time + windowMs, { kind: 1, key, batch: l.open });
						}
						const batch = l.open;
						batch.arrivals.push(time);
						if (batch.arrivals.length >= maxBatch) send(time, key, l, batch);
					}
					events.push(time - Math.log(1 - rnd()) * (1000 / rate), { kind: 0 });
				}
				break;
			}
			case 1: {
				const l = lane(item.key);
				if (!item.batch.sent && l.inFlight < maxInFlight) send(time, item.key, l, item.batch);
				// else: it waits for a lane, taking actions meanwhile (sent when an answer comes back)
				break;
			}
			case 2: {
				const { batch } = item;
				const n = batch.arrivals.length;
				const start = Math.max(time, busyUntil[batch.shard]);
				const service = c0 + c1 * n;
				busyUntil[batch.shard] = start + service;
				if (start >= warmAt && start < endAt) {
					busyTime[batch.shard] += service;
					rpcs++;
					batchedActions += n;
				}
				events.push(start + service + net, { kind: 3, key: item.key, batch });
				break;
			}
			case 3: {
				const l = lane(item.key);
				l.inFlight--;
				for (const arrived of item.batch.arrivals) {
					if (arrived >= warmAt && arrived < endAt) latencies.push(time - arrived);
					completed++;
				}
				// A batch whose window is over and that waited for a lane goes now: its owner is woken.
				const waiting = l.open;
				if (waiting && !waiting.sent && waiting.flushAt <= time && l.inFlight < maxInFlight) {
					send(time, item.key, l, waiting);
				}
				break;
			}
		}
	}
	latencies.sort((a, b) => a - b);
	const measuredMs = durationS * 1000;
	let maxBusy = 0;
	let sumBusy = 0;
	for (const b of busyTime) {
		maxBusy = Math.max(maxBusy, b);
		sumBusy += b;
	}
	// A shard's certificate lease grows to MAX_LEASE numbers; newcomers take one number each.
	const leasesPerS = (rate * newShare) / MAX_LEASE;
	return {
		rate,
		shards,
		meanBatch: batchedActions / Math.max(1, rpcs),
		rpcsPerShardPerS: rpcs / shards / durationS,
		utilisationMean: sumBusy / shards / measuredMs,
		utilisationMax: maxBusy / measuredMs,
		p50: percentile(latencies, 0.5),
		p99: percentile(latencies, 0.99),
		unanswered: arrivals - completed,
		leasesPerS,
	};
}

/** `--tree`: staleness at the public URL and the CeremonyDO's calls a second, per shard count. */
function mainTree() {
	const rows = [];
	console.log(
		[
			"actions/s",
			"shards",
			"aggregators",
			"p50 ms",
			"p99 ms",
			"max ms",
			"CeremonyDO calls/s",
			"of which pushes",
			"bound",
		].join("\t"),
	);
	for (const rate of list(args.rate)) {
		for (const shards of list(args.shards)) {
			const r = simulateTree({
				rate,
				shards,
				durationS: Number(args.duration),
				net: Number(args.net),
				colos: Number(args.colos),
				poll: Number(args.poll),
				isolates: list(args.isolates)[0],
				newShare: Number(args["new-share"]),
				seed: Number(args.seed),
			});
			rows.push(r);
			console.log(
				[
					rate,
					shards,
					r.aggregators,
					Math.round(r.p50),
					Math.round(r.p99),
					Math.round(r.max),
					Math.round(r.ceremonyCallsPerS),
					Math.round(r.calls.aggregatorPushes),
					Math.round(r.ceremonyCallsBound),
				].join("\t"),
			);
		}
	}
	if (args.json) console.log(JSON.stringify(rows));
}

function main() {
	if (args.tree) return mainTree();
	if (args.cost) return mainCost();
	console.log(`c1 from ${c1Source}`);
	const base = {
		windowMs: Number(args.window),
		maxBatch: Number(args["max-batch"]),
		inFlight: Number(args["in-flight"]),
		net: Number(args.net),
		c0: Number(args.c0),
		c1: Number(args.c1 ?? c1Default),
		durationS: Number(args.duration),
		warmupS: Number(args.warmup),
		seed: Number(args.seed),
		newShare: Number(args["new-share"]),
	};
	if (args["limit-rps"]) base.c0 = Math.max(base.c0, 1000 / Number(args["limit-rps"]) - base.c1);
	const rows = [];
	console.log(
		`model: W=${args.isolates} isolates, window ${base.windowMs} ms, ≤${base.inFlight} in flight per isolate and shard, ` +
			`net ${base.net} ms each way, batch cost ${base.c0} + ${base.c1}·n ms, ${base.durationS} s simulated`,
	);
	const header = [
		"isolates",
		"actions/s",
		"shards",
		"mean batch",
		"RPC/s/shard",
		"util mean",
		"util max",
		"p50 ms",
		"p99 ms",
		"leases/s",
	];
	console.log(header.join("\t"));
	for (const isolates of list(args.isolates)) {
		for (const rate of list(args.rate)) {
			for (const shards of list(args.shards)) {
				const r = simulate({ ...base, isolates, rate, shards });
				rows.push({ ...base, ...r });
				const overloaded = r.utilisationMax >= 0.98 || r.unanswered > rate * 0.01;
				console.log(
					[
						isolates,
						rate,
						shards,
						r.meanBatch.toFixed(1),
						Math.round(r.rpcsPerShardPerS),
						r.utilisationMean.toFixed(2),
						r.utilisationMax.toFixed(2),
						overloaded ? "overload" : r.p50.toFixed(1),
						overloaded ? "overload" : r.p99.toFixed(1),
						r.leasesPerS.toFixed(1),
					].join("\t"),
				);
			}
		}
	}
	if (args.json) console.log(JSON.stringify(rows));
}

/**
 * What a burst costs, per Cloudflare's published prices: every action is one Worker request and
 * `rpcsPerAction` shard RPCs (1 / the simulated mean batch), plus snapshots; the Worker's CPU per
 * action is bracketed by what one workerd spends on an action here (the whole path, shards
 * included: an upper bound) and on a `/healthz` request (the least a request costs: a lower
 * bound); rows written per action come from `npm run bench:profile` (measured at its batch size)
 * or `--rows-written`.
 */
function mainCost() {
	const upper = measured?.workerdCpuPerActionMs;
	const lower = measured?.workerdCpuPerHealthzMs;
	if (upper === undefined || lower === undefined) {
		console.error(`no bench output at ${args.measured}: run npm run bench first`);
		process.exitCode = 1;
		return;
	}
	const seconds = Number(args["burst-s"]);
	const shards = list(args.shards);
	console.log(
		`inputs (${args.measured}): Worker CPU per action between ${lower.toFixed(3)} and ${upper.toFixed(3)} ms; c1 ${c1Default.toFixed(3)} ms; ` +
			`a burst of ${seconds} s; rows written per action ${ROWS_WRITTEN.toFixed(1)} (${ROWS_SOURCE}); ` +
			`per snapshot received ${TREE_ROWS.aggregator.toFixed(1)} at an aggregator, ${TREE_ROWS.ceremony.toFixed(1)} at the CeremonyDO (${TREE_ROWS.source})`,
	);
	console.log(
		[
			"actions/s",
			"shards",
			"Worker CPU-ms/s",
			"requests/s (Worker + DO)",
			"tree rows written/s",
			"cost of the burst, USD",
		].join("\t"),
	);
	for (const rate of list(args.rate)) {
		for (const S of shards) {
			// In production the mean batch is about 1 (docs/CAPACITY.md): one RPC per action; every
			// shard and aggregator pushes a snapshot at its interval (an alarm and an RPC each).
			const shardPushes = (S * 1000) / SHARD_PUSH_INTERVAL_MS;
			const aggregatorPushes = (Math.ceil(S / FAN_IN) * 1000) / AGGREGATOR_PUSH_INTERVAL_MS;
			const objectRequests = rate * 1 + 2 * shardPushes + 2 * aggregatorPushes;
			const treeRows = shardPushes * TREE_ROWS.aggregator + aggregatorPushes * TREE_ROWS.ceremony;
			const cost = (cpuMs) =>
				seconds *
				(rate * (PRICES.workerRequest + cpuMs * PRICES.workerCpuMs + ROWS_WRITTEN * PRICES.rowWritten) +
					treeRows * PRICES.rowWritten +
					objectRequests * PRICES.objectRequest +
					(S + Math.ceil(S / 16) + 1) * OBJECT_GB * PRICES.objectGbS);
			console.log(
				[
					rate,
					S,
					`${Math.round(rate * lower)}–${Math.round(rate * upper)}`,
					`${rate} + ${Math.round(objectRequests)}`,
					Math.round(treeRows),
					`${cost(lower).toFixed(0)}–${cost(upper).toFixed(0)}`,
				].join("\t"),
			);
		}
	}
}

main();
