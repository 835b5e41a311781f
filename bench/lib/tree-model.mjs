// The freshness half of the capacity model (docs/CAPACITY.md): a discrete-event model of what
// happens after an action is acknowledged. Each shard pushes its snapshot to its aggregator at
// most once per interval (at once when its last push is older, as durable/push-schedule.ts does);
// each aggregator pushes the merged snapshot to the CeremonyDO the same way; a push reaches the
// parent `net` ms later and costs it `apply` ms. A reader polls the public stats URL every `poll`
// ms at a Cloudflare location whose edge cache keeps a read of the CeremonyDO for `fresh` ms
// (src/http/edge-cache.ts). Staleness is from an action's acknowledgement to the first poll that
// shows it. Also the CeremonyDO's calls a second: aggregator pushes (counted in the model), pulls
// of quiet aggregators, certificate leases, configuration reads and edge-cache misses.

/** The edge batcher's settings (src/shard-batcher.ts), for the latency half in bench/simulate.mjs. */
export const EDGE_BATCH_WINDOW_MS = 4;
export const MAX_BATCH_SIZE = 100;
export const MAX_IN_FLIGHT = 2;

export const FAN_IN = 16;
export const SHARD_PUSH_INTERVAL_MS = 500;
export const AGGREGATOR_PUSH_INTERVAL_MS = 250;
export const QUIET_CHILD_MS = 5_000;
export const FRESH_MS = 750;
export const CONFIG_TTL_MS = 300_000;
const MAX_LEASE = 4_096;

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

/**
 * A node that pushes at most once per interval: given the times its inputs arrive (sorted), the
 * time each input reaches the parent.
 */
function throttle(arrivals, { interval, net, apply }) {
	const out = new Float64Array(arrivals.length);
	let lastPush = Number.NEGATIVE_INFINITY;
	let i = 0;
	let pushes = 0;
	while (i < arrivals.length) {
		const at = Math.max(arrivals[i], lastPush + interval);
		lastPush = at;
		pushes++;
		// The push carries everything that arrived by the time it is taken.
		const reach = at + net + apply;
		while (i < arrivals.length && arrivals[i] <= at) out[i++] = reach;
	}
	return { out, pushes };
}

const percentile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];

/**
 * Staleness and CeremonyDO load for one shard count. `rate`: actions/s; `durationS`: simulated
 * seconds; `colos`: Cloudflare locations with readers; `keys`: public cache keys read often
 * (stats, regions, timeseries, the wall); `isolates`: Worker isolates; `configChangesPerHour`.
 */
export function simulateTree({
	rate,
	shards,
	durationS = 20,
	net = 10,
	apply = 1,
	poll = 100,
	fresh = FRESH_MS,
	colos = 300,
	keys = 4,
	isolates = 2_000,
	configChangesPerHour = 6,
	newShare = 0.25,
	seed = 1,
}) {
	const rand = random(seed);
	const aggregators = Math.ceil(shards / FAN_IN);
	const span = durationS * 1000;
	const n = Math.round(rate * durationS);
	// Poisson arrivals, each acknowledged at a shard chosen by the hash (uniformly).
	const acks = new Float64Array(n);
	let t = 0;
	for (let k = 0; k < n; k++) {
		t += -Math.log(1 - rand()) * (1000 / rate);
		acks[k] = t;
	}
	const byShard = Array.from({ length: shards }, () => []);
	for (let k = 0; k < n; k++) byShard[Math.floor(rand() * shards)].push(k);
	const atAggregator = new Float64Array(n);
	for (const ks of byShard) {
		const { out } = throttle(
			ks.map((k) => acks[k]),
			{ interval: SHARD_PUSH_INTERVAL_MS, net, apply },
		);
		ks.forEach((k, j) => {
			atAggregator[k] = out[j];
		});
	}
	const atCeremony = new Float64Array(n);
	let aggregatorPushes = 0;
	for (let a = 0; a < aggregators; a++) {
		const ks = [];
		for (let s = a * FAN_IN; s < Math.min(shards, (a + 1) * FAN_IN); s++) ks.push(...byShard[s]);
		ks.sort((x, y) => atAggregator[x] - atAggregator[y]);
		const { out, pushes } = throttle(
			ks.map((k) => atAggregator[k]),
			{ interval: AGGREGATOR_PUSH_INTERVAL_MS, net, apply },
		);
		aggregatorPushes += pushes;
		ks.forEach((k, j) => {
			atCeremony[k] = out[j];
		});
	}
	// A reader at one location polls from a random phase; the edge cache is refreshed by the first
	// poll after its entry is `fresh` ms old, and shows the CeremonyDO as of that read.
	const phase = rand() * poll;
	const order = Array.from(acks.keys()).sort((x, y) => atCeremony[x] - atCeremony[y]);
	const lags = new Float64Array(n);
	let readAt = Number.NEGATIVE_INFINITY;
	let p = 0;
	for (let x = phase; p < n && x < span + 60_000; x += poll) {
		if (x - readAt >= fresh) readAt = x + net;
		while (p < n && atCeremony[order[p]] <= readAt && readAt <= x + net) {
			const k = order[p++];
			lags[k] = Math.max(0, x + 2 * net - acks[k]);
		}
	}
	const sorted = Float64Array.from(lags).sort();
	const seconds = span / 1000;
	const calls = {
		aggregatorPushes: aggregatorPushes / seconds,
		// While active, a quiet aggregator is pulled at most once per QUIET_CHILD_MS.
		quietPullsMax: (aggregators * 1000) / QUIET_CHILD_MS,
		leases: (rate * newShare) / MAX_LEASE,
		configReads: (isolates * configChangesPerHour) / 3600 + (isolates * 1000) / CONFIG_TTL_MS,
		cacheMisses: (colos * keys * 1000) / fresh,
	};
	const total = Object.values(calls).reduce((a, b) => a + b, 0);
	return {
		rate,
		shards,
		aggregators,
		p50: percentile(sorted, 0.5),
		p99: percentile(sorted, 0.99),
		max: sorted[sorted.length - 1],
		calls,
		ceremonyCallsPerS: total,
		ceremonyCallsBound:
			(aggregators * 1000) / AGGREGATOR_PUSH_INTERVAL_MS +
			calls.quietPullsMax +
			calls.leases +
			calls.configReads +
			calls.cacheMisses,
	};
}
