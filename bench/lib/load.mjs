// Load phases of the benchmarks: /healthz, the naive counter, minting participants, and the
// action path with its exactness, latency and staleness measurements. Every phase is driven by
// autocannon over keep-alive connections; throughput phases are timed (autocannon ends runs
// given by request count on whole seconds).
import { performance } from "node:perf_hooks";
import autocannon from "autocannon";
import { COMMITTEE_TOKEN, NAIVE_HOST } from "./server.mjs";

export const ACTION_TYPES = ["flower", "incense", "bow", "blessing"];
const COUNTRIES = ["CN", "CN", "CN", "CN", "TW", "HK", "MY", "SG", "US", "CA", "AU", "JP", "GB", "ID", "TH", "NZ"];
/** Every this-many items, the original answer is kept so that a later replay can be compared. */
const REPLAY_POOL_EVERY = 50;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function cannon(options) {
	return new Promise((resolve, reject) => {
		autocannon({ timeout: 30, ...options }, (error, result) => (error ? reject(error) : resolve(result)));
	});
}

/** Responses of every status autocannon received in a run. */
const answersOf = (result) => ["1xx", "2xx", "3xx", "4xx", "5xx"].reduce((n, k) => n + (result[k] ?? 0), 0);

/**
 * Runs `phase` and the CPU time workerd used meanwhile (`cpuMs`: the service's reading, or
 * undefined), as `{ value, cpuMs }`.
 */
async function withCpu(cpuMs, phase) {
	const before = cpuMs?.() ?? null;
	const value = await phase();
	const after = cpuMs?.() ?? null;
	return { value, cpuMs: before === null || after === null ? null : after - before };
}

/** workerd's CPU over a phase, in all and per answer. */
const cpuFigures = (cpuMs, answers) =>
	cpuMs === null ? null : { ms: cpuMs, answers, perAnswerMs: answers > 0 ? cpuMs / answers : null };

const summary = (result, ok, cpuMs = null) => ({
	requests: result.requests.total,
	ok,
	durationS: result.duration,
	perSecond: ok / result.duration,
	p50: result.latency.p50,
	p99: result.latency.p99,
	errors: result.errors + result.timeouts,
	non2xx: result.non2xx,
	cpu: cpuFigures(cpuMs, answersOf(result)),
});

/** The storage-free ceiling of the path: `GET /healthz`. */
export async function measureHealthz(url, { connections = 64, duration = 10, cpuMs } = {}) {
	const { value: result, cpuMs: used } = await withCpu(cpuMs, () =>
		cannon({ url: `${url}/healthz`, connections, duration }),
	);
	return summary(result, result["2xx"], used);
}

/**
 * The naive baseline: one Durable Object counter that every action updates. It is sent the
 * actions' own requests (`actionRequests`: path, headers and body, item after item of `tokens`),
 * which it does not read, so that both paths carry the same bytes through the runtime; a bare
 * `POST /` would spare it the body and headers every action brings (about 0.13 ms of CPU a request
 * here, docs/BENCHMARKS.md).
 */
export async function measureNaive(url, { year, tokens, connections = 64, duration = 10, cpuMs } = {}) {
	if (!tokens?.length) throw new Error("measureNaive: tokens to shape its requests like the actions'");
	const shape = actionRequests({ year, tokens, tag: "naive" });
	let next = 0;
	const before = await naiveValue(url);
	const { value: result, cpuMs: used } = await withCpu(cpuMs, () =>
		cannon({
			url,
			connections,
			duration,
			requests: [
				{
					setupRequest(req) {
						const i = next++ % shape.items;
						return {
							...req,
							method: "POST",
							path: shape.path,
							headers: { ...shape.headersOf(i), host: NAIVE_HOST },
							body: shape.bodyOf(i),
						};
					},
				},
			],
		}),
	);
	const after = await naiveValue(url);
	return { ...summary(result, result["2xx"], used), counterDelta: after - before };
}

async function naiveValue(url) {
	const { request } = await import("node:http");
	const target = new URL(url);
	return new Promise((resolve, reject) => {
		const req = request(
			{ host: target.hostname, port: target.port, path: "/", headers: { host: NAIVE_HOST } },
			(res) => {
				let text = "";
				res.on("data", (chunk) => {
					text += chunk;
				});
				res.on("end", () => resolve(JSON.parse(text).value));
			},
		);
		req.on("error", reject);
		req.end();
	});
}

/** Mints `n` participants with the committee token (which the per-IP limit exempts). */
export async function mintParticipants(url, n, { connections = 32 } = {}) {
	const tokens = [];
	let failures = 0;
	while (tokens.length < n) {
		const want = n - tokens.length;
		await cannon({
			url: `${url}/api/v1/participants`,
			method: "POST",
			connections: Math.min(connections, want),
			amount: want,
			headers: { authorization: `Bearer ${COMMITTEE_TOKEN}`, "content-type": "application/json" },
			body: "{}",
			requests: [
				{
					onResponse(status, body) {
						if (status === 201 && tokens.length < n) tokens.push(JSON.parse(body).token);
						else if (status !== 201) failures++;
					},
				},
			],
		});
		if (failures > n) throw new Error(`minting participants failed ${failures} times`);
	}
	return tokens;
}

export async function getJson(url, path, headers = {}) {
	const res = await fetch(`${url}${path}`, { headers });
	if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
	return res.json();
}

export const actionTotal = (stats) => ACTION_TYPES.reduce((n, t) => n + stats.actions[t], 0);

export const audit = (url, year) =>
	getJson(url, `/api/v1/admin/ceremonies/${year}/audit`, { authorization: `Bearer ${COMMITTEE_TOKEN}` });

export const tally = (url) => getJson(url, "/__bench/tally");

export const shardInfo = (url, year, count) => getJson(url, `/__bench/shards?year=${year}&count=${count}`);

/**
 * Polls the public totals (through the edge cache, as readers see them) and remembers when each
 * total was first seen. The k-th action acknowledged is taken as visible once the total (less
 * what was there before) reaches k: totals never go down, and in-flight actions make this err
 * on the short side by at most the number of connections.
 */
class TotalsWatcher {
	constructor(url, year, intervalMs) {
		this.url = url;
		this.year = year;
		this.intervalMs = intervalMs;
		this.seen = [];
		this.running = false;
	}

	async read() {
		const stats = await getJson(this.url, `/api/v1/ceremonies/${this.year}/stats`);
		return actionTotal(stats);
	}

	start(base) {
		this.base = base;
		this.running = true;
		this.loop = (async () => {
			while (this.running) {
				const startedAt = performance.now();
				try {
					const total = await this.read();
					this.seen.push({ at: performance.now(), total: total - this.base });
				} catch {
					// a failed poll is only a gap in the samples
				}
				await sleep(Math.max(0, this.intervalMs - (performance.now() - startedAt)));
			}
		})();
	}

	async until(total, timeoutMs) {
		const giveUpAt = performance.now() + timeoutMs;
		while (performance.now() < giveUpAt) {
			const last = this.seen.at(-1);
			if (last && last.total >= total) return true;
			await sleep(this.intervalMs);
		}
		return false;
	}

	async stop() {
		this.running = false;
		await this.loop;
	}

	/** Staleness of each acknowledgement (ms), given the acknowledgement times in order. */
	staleness(ackTimes) {
		const out = new Float64Array(ackTimes.length);
		let p = 0;
		let missing = 0;
		for (let k = 0; k < ackTimes.length; k++) {
			while (p < this.seen.length && this.seen[p].total < k + 1) p++;
			if (p === this.seen.length) {
				out[k] = Number.POSITIVE_INFINITY;
				missing++;
			} else out[k] = Math.max(0, this.seen[p].at - ackTimes[k]);
		}
		return { values: out, missing };
	}
}

export function percentile(values, q) {
	if (values.length === 0) return Number.NaN;
	const sorted = Float64Array.from(values).sort();
	return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

/**
 * The requests of an action phase: item i is participant floor(i / perParticipant)'s action of
 * type ACTION_TYPES[i % 4] (with perParticipant 4, each participant makes one of each; with 1,
 * one action each), under the idempotency key `bench-<tag>-<i>`.
 */
export function actionRequests({ year, tokens, tag, perParticipant = 4 }) {
	const typeOf = (i) => ACTION_TYPES[perParticipant === 4 ? i % 4 : Math.floor(i / perParticipant) % 4];
	const tokenOf = (i) => tokens[Math.floor(i / perParticipant)];
	return {
		items: tokens.length * perParticipant,
		typeOf,
		path: `/api/v1/ceremonies/${year}/actions`,
		bodyOf: (i) => {
			const type = typeOf(i);
			return type === "blessing" ? `{"type":"blessing","message":"国泰民安 ${i}"}` : `{"type":"${type}"}`;
		},
		headersOf: (i) => ({
			"content-type": "application/json",
			authorization: `Bearer ${tokenOf(i)}`,
			"idempotency-key": `bench-${tag}-${i}`,
			"x-dev-country": COUNTRIES[Math.floor(i / perParticipant) % COUNTRIES.length],
		}),
	};
}

/**
 * One action phase, of `actionRequests`' items in order. Every `replayEvery`-th request
 * replays an acknowledged action with its key and body, and must get the first answer back. Unanswered and 5xx items are sent again with
 * the same key after the timed run, as a client would, so every action ends acknowledged.
 */
export async function runActions({
	url,
	year,
	tokens,
	tag,
	perParticipant = 4,
	duration,
	amount,
	connections = 64,
	/** Actions per second in all (autocannon's overallRate); unset: as fast as they are answered. */
	rate,
	replayEvery = 100,
	pollMs = 100,
	watch = true,
	/** The service's CPU reading (server.mjs `cpuMs`), to give workerd's CPU per answer of the timed run. */
	cpuMs,
}) {
	const { items, typeOf, headersOf, bodyOf, path } = actionRequests({ year, tokens, tag, perParticipant });

	const status = new Int16Array(items);
	const ackTimes = [];
	const pool = [];
	const poolBodies = new Map();
	const counts = { statuses: {}, replays: 0, replaysMatched: 0, replayMismatches: [], exhausted: false };
	let next = 0;
	let requests = 0;

	const watcher = new TotalsWatcher(url, year, pollMs);
	const base = await watcher.read();
	const tallyBefore = await tally(url);
	if (watch) watcher.start(base);

	const startedAt = performance.now();
	const cpuBefore = cpuMs?.() ?? null;
	const result = await cannon({
		url,
		connections,
		...(amount ? { amount } : { duration }),
		...(rate ? { overallRate: rate } : {}),
		requests: [
			{
				setupRequest(req, context) {
					requests++;
					let i;
					let replay = replayEvery > 0 && requests % replayEvery === 0 && pool.length > 0;
					if (!replay && next < items) i = next++;
					else {
						if (!replay) counts.exhausted = true;
						if (pool.length === 0) return null;
						replay = true;
						i = pool[Math.floor(Math.random() * pool.length)];
					}
					context.i = i;
					context.replay = replay;
					return { ...req, method: "POST", path, headers: headersOf(i), body: bodyOf(i) };
				},
				onResponse(code, body, context) {
					const i = context.i;
					if (context.replay) {
						counts.replays++;
						if (code === 201 && body === poolBodies.get(i)) counts.replaysMatched++;
						else if (code < 500 && counts.replayMismatches.length < 5) counts.replayMismatches.push({ i, code, body });
						return;
					}
					status[i] = code;
					counts.statuses[code] = (counts.statuses[code] ?? 0) + 1;
					if (code === 201) {
						ackTimes.push(performance.now());
						if (i % REPLAY_POOL_EVERY === 0) {
							poolBodies.set(i, body);
							pool.push(i);
						}
					}
				},
			},
		],
	});
	const cpuAfter = cpuMs?.() ?? null;
	const elapsedS = (performance.now() - startedAt) / 1000;
	const tallyAfterRun = await tally(url);
	const acknowledgedInRun = ackTimes.length;

	// Everything sent and not answered (cut off at the end, 5xx, dropped) is retried with its key;
	// a run given by request count also sends what it did not get to.
	if (amount) next = items;
	const retry = [];
	for (let i = 0; i < next; i++) if (status[i] === 0 || status[i] >= 500) retry.push(i);
	const retried = await retryItems(url, path, retry, headersOf, bodyOf);
	for (const [i, code] of retried) status[i] = code;

	const acknowledged = status.reduce((n, code) => n + (code === 201 ? 1 : 0), 0);
	const byType = Object.fromEntries(ACTION_TYPES.map((t) => [t, 0]));
	for (let i = 0; i < next; i++) if (status[i] === 201) byType[typeOf(i)]++;
	const others = {};
	for (let i = 0; i < next; i++) if (status[i] !== 201) others[status[i]] = (others[status[i]] ?? 0) + 1;
	// Participants with at least one counted action: what the totals' participant count must grow by.
	const acted = new Set();
	for (let i = 0; i < next; i++) if (status[i] === 201) acted.add(Math.floor(i / perParticipant));

	let staleness = null;
	if (watch) {
		await watcher.until(acknowledged, 20_000);
		await watcher.stop();
		const { values, missing } = watcher.staleness(ackTimes);
		staleness = {
			p50: percentile(values, 0.5),
			p99: percentile(values, 0.99),
			max: percentile(values, 1),
			missing,
			pollMs,
		};
	}

	return {
		tag,
		base,
		sent: next,
		requests: result.requests.total,
		durationS: result.duration,
		elapsedS,
		acknowledgedInRun,
		perSecond: acknowledgedInRun / result.duration,
		p50: result.latency.p50,
		p99: result.latency.p99,
		statuses: counts.statuses,
		cpu:
			cpuBefore === null || cpuAfter === null
				? null
				: {
						...cpuFigures(cpuAfter - cpuBefore, answersOf(result)),
						perAcknowledgedMs: acknowledgedInRun > 0 ? (cpuAfter - cpuBefore) / acknowledgedInRun : null,
					},
		errors: result.errors + result.timeouts,
		retried: retry.length,
		acknowledged,
		notAcknowledged: others,
		participants: acted.size,
		byType,
		replays: counts.replays,
		replaysMatched: counts.replaysMatched,
		replayMismatches: counts.replayMismatches,
		exhausted: counts.exhausted,
		staleness,
		shardRpcs: tallyAfterRun.performCalls - tallyBefore.performCalls,
		shardRpcActions: tallyAfterRun.performActions - tallyBefore.performActions,
		doRequests:
			tallyAfterRun.performCalls +
			tallyAfterRun.shardOther +
			tallyAfterRun.ceremonyCalls -
			(tallyBefore.performCalls + tallyBefore.shardOther + tallyBefore.ceremonyCalls),
		largestBatch: tallyAfterRun.largestBatch,
		doRequestsByMethod: Object.fromEntries(
			Object.entries(tallyAfterRun.byMethod ?? {}).map(([name, n]) => [name, n - (tallyBefore.byMethod?.[name] ?? 0)]),
		),
	};
}

/** Sends items again with their own keys until each has an answer below 500 (a client's retry). */
async function retryItems(url, path, items, headersOf, bodyOf, concurrency = 16) {
	const answers = new Map();
	let cursor = 0;
	const worker = async () => {
		while (cursor < items.length) {
			const i = items[cursor++];
			for (let attempt = 0; ; attempt++) {
				try {
					const res = await fetch(`${url}${path}`, { method: "POST", headers: headersOf(i), body: bodyOf(i) });
					await res.text();
					if (res.status < 500) {
						answers.set(i, res.status);
						break;
					}
				} catch {
					// connection trouble: try again
				}
				if (attempt >= 50) throw new Error(`action ${i} got no answer after ${attempt} retries`);
				await sleep(Math.min(1000, 20 * 2 ** attempt));
			}
		}
	};
	await Promise.all(Array.from({ length: concurrency }, worker));
	return answers;
}

/** Waits until the public totals show `expected` actions in all (or gives up), and returns them. */
export async function settledTotals(url, year, expected, timeoutMs = 20_000) {
	const giveUpAt = performance.now() + timeoutMs;
	for (;;) {
		const stats = await getJson(url, `/api/v1/ceremonies/${year}/stats`);
		if (actionTotal(stats) === expected || performance.now() > giveUpAt) return stats;
		await sleep(250);
	}
}

/**
 * The cost of one batch at a shard, c0 + c1·n ms, fitted (least squares) to the mean round trip
 * of sequential perform RPCs of n new actions each (see `calibrate` in bench/harness-entry.mjs).
 */
export async function calibrateBatchCost(url, sizes = [1, 2, 5, 10, 20, 50, 100], actionsPerSize = 2_000) {
	const points = [];
	for (const [k, n] of sizes.entries()) {
		const reps = Math.max(20, Math.round(actionsPerSize / n));
		const r = await getJson(url, `/__bench/calibrate?n=${n}&reps=${reps}&shard=${k}`);
		points.push({ n, ms: r.msPerBatch });
	}
	const mean = (f) => points.reduce((a, p) => a + f(p), 0) / points.length;
	const mn = mean((p) => p.n);
	const mm = mean((p) => p.ms);
	const c1 = mean((p) => (p.n - mn) * (p.ms - mm)) / mean((p) => (p.n - mn) ** 2);
	return { points, c0: mm - c1 * mn, c1 };
}
