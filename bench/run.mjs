#!/usr/bin/env node
// `npm run bench`: the throughput of the action path on the local runtime (workerd through
// Miniflare, no dev proxy), from one run:
//   /healthz requests/s (the storage-free baseline), before and after the action runs;
//   the naive baseline: one Durable Object counter that every action updates, sent the actions'
//   own requests (path, headers, body), before and after the action runs;
//   actions with edge micro-batching on (the service as configured): acknowledged actions/s,
//   p50/p99 latency, staleness of the public totals;
//   equal runs (same length, each after a restart and the same warm-up) of batching on, off
//   (EDGE_BATCH_MS=0) and storage skipped (the ceiling of the path: shards that write nothing for
//   actions but still lease certificates and push snapshots), and Durable Object
//   requests per 1,000 actions;
//   workerd's CPU time over each phase (/proc/<pid>/stat), per answer and per acknowledged action;
//   exactness over every stored run: actions acknowledged, counted, audited, per type, and the
//   participants with a counted action; every final answer other than 201, by status.
// Options: --duration S (actions, batching on; default 240), --baseline S (each other phase;
// default 10), --connections N (64), --shards N (8), --batch-ms MS (the code's default),
// --participants N (minted for the main run; default: --expected-rate 2500 actions/s times the
// duration, four actions each), --smoke (a few seconds, for CI: exits non-zero unless every count
// is exact), --json FILE (write the figures; a full run writes bench/results/latest.json unless
// told otherwise, which docs/CAPACITY.md and bench/simulate.mjs read), --direct (every phase sent
// to sockets of the Worker's and the naive counter's own, without Miniflare's entry worker, which
// every request passes through otherwise and a deployed Worker does not have; a full run then
// writes bench/results/latest-direct.json).
import { writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import {
	ACTION_TYPES,
	audit,
	calibrateBatchCost,
	getJson,
	measureHealthz,
	measureNaive,
	mintParticipants,
	runActions,
	settledTotals,
} from "./lib/load.mjs";
import { startService } from "./lib/server.mjs";

const { values: args } = parseArgs({
	options: {
		duration: { type: "string" },
		baseline: { type: "string" },
		connections: { type: "string", default: "64" },
		shards: { type: "string", default: "8" },
		"batch-ms": { type: "string" },
		participants: { type: "string" },
		"expected-rate": { type: "string", default: "2500" },
		smoke: { type: "boolean", default: false },
		direct: { type: "boolean", default: false },
		json: { type: "string" },
	},
});
const smoke = args.smoke;
const duration = Number(args.duration ?? (smoke ? 3 : 240));
const baseline = Number(args.baseline ?? (smoke ? 1 : 10));
const connections = Number(args.connections);
const shards = Number(args.shards);
const batchMs = args["batch-ms"] === undefined ? undefined : Number(args["batch-ms"]);
/** Participants minted for the main run: enough for `--expected-rate` actions/s, four actions each. */
const participants = Number(args.participants ?? Math.ceil((duration * Number(args["expected-rate"])) / 4));
/**
 * Actions before each equal run, after its restart: the action path runs about half as fast for
 * the first 20 s after workerd starts (docs/BENCHMARKS.md), and a shorter warm-up measured that.
 */
const WARM_UP_S = smoke ? 1 : 20;
/** Each equal run's participants allow three times the expected rate: the storage-skipped ceiling runs 2-2.5 times as fast. */
const equalParticipants = Math.ceil((3 * baseline * Number(args["expected-rate"])) / 4);
/** Each warm-up's participants; one that runs out goes on with replays, which warm the path as well. */
const warmUpParticipants = Math.ceil((WARM_UP_S * Number(args["expected-rate"])) / 4);

const DEFAULT_JSON = fileURLToPath(
	new URL(args.direct ? "./results/latest-direct.json" : "./results/latest.json", import.meta.url),
);
const TARGETS = { ofHealthz: 0.4, ofNaive: 1.25, latencyP99Ms: 250, stalenessP99Ms: 2_000, minActions: 200_000 };
const fmt = (n, digits = 0) =>
	Number.isFinite(n)
		? n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits })
		: String(n);
const log = (...parts) => console.log(...parts);
const row = (label, text) => console.log(`${label.padEnd(34)}${text}`);

async function main() {
	const started = new Date();
	const loadAverageAtStart = loadavg();
	log(
		`bench: ${smoke ? "smoke, " : ""}${cpus().length} cores, load average ${loadavg()
			.map((n) => n.toFixed(2))
			.join(" ")}`,
	);
	const service = await startService({ shards, batchMs, direct: args.direct });
	try {
		const { url } = service;
		const cpuMs = () => service.cpuMs();
		const ceremony = await getJson(url, "/api/v1/ceremonies/current");
		const year = ceremony.year;
		log(
			`service: workerd via Miniflare at ${url}${args.direct ? " (direct sockets, no entry worker)" : " (through Miniflare's entry worker)"}, ceremony ${year} with ${ceremony.shardCount} shards, EDGE_BATCH_MS=${batchMs ?? "(default)"}`,
		);

		const minted = participants + 3 * (equalParticipants + warmUpParticipants);
		log(`minting ${fmt(minted)} participants with the committee token…`);
		const mintStarted = performance.now();
		const tokens = await mintParticipants(url, minted);
		log(`  ${fmt(tokens.length)} in ${fmt((performance.now() - mintStarted) / 1000, 1)} s`);
		let cursor = 0;
		const take = (n) => {
			const slice = tokens.slice(cursor, cursor + n);
			cursor += n;
			return slice;
		};
		const mainTokens = take(participants);

		await measureHealthz(url, { connections, duration: 2 }); // warm-up
		log(`/healthz, ${baseline} s…`);
		const healthBefore = await measureHealthz(url, { connections, duration: baseline, cpuMs });
		log(
			`  ${fmt(healthBefore.perSecond)} req/s, p50 ${healthBefore.p50} ms, p99 ${healthBefore.p99} ms; ${cpuText(healthBefore.cpu)}`,
		);

		// The naive counter is sent the actions' own requests; like /healthz, it is measured before
		// and after the actions, and the ratio is to the mean of the two.
		const measureNaiveOnce = async (when) => {
			log(`naive counter (one Durable Object, get+put per action; the actions' requests), ${when}, ${baseline} s…`);
			const run = await measureNaive(service.naiveUrl, {
				year,
				tokens: mainTokens,
				connections,
				duration: baseline,
				cpuMs,
			});
			log(
				`  ${fmt(run.perSecond)} actions/s, p50 ${run.p50} ms, p99 ${run.p99} ms, counter +${fmt(run.counterDelta)}; ${cpuText(run.cpu)}`,
			);
			return run;
		};
		const naiveBefore = await measureNaiveOnce("before");

		log(`actions, batching on, ${duration} s, ${connections} connections…`);
		const on = await runActions({ url, year, tokens: mainTokens, tag: "on", duration, connections, cpuMs });
		printActions(on);

		log(`/healthz again, ${baseline} s…`);
		const healthAfter = await measureHealthz(url, { connections, duration: baseline, cpuMs });
		log(`  ${fmt(healthAfter.perSecond)} req/s; ${cpuText(healthAfter.cpu)}`);
		const naiveAfter = await measureNaiveOnce("after");
		const naive = beforeAndAfter(naiveBefore, naiveAfter);

		// Equal runs: batching on, off, and storage skipped, each after a restart (state kept) and
		// the same warm-up of actions, for the same length.
		const counted = [on];
		const equalRun = async (label, tag, restart, { stored = true } = {}) => {
			log(`restarting workerd: ${label} (Durable Object state kept)…`);
			await service.restart(restart);
			const warmUp = await runActions({
				url: service.url,
				year,
				tokens: take(warmUpParticipants),
				tag: `${tag}-warm`,
				duration: WARM_UP_S,
				connections,
				replayEvery: 0,
				watch: false,
			});
			log(`actions, ${label}, ${baseline} s…`);
			const run = await runActions({
				url: service.url,
				year,
				tokens: take(equalParticipants),
				tag,
				duration: baseline,
				connections,
				cpuMs,
				...(stored ? {} : { replayEvery: 0, watch: false }),
			});
			printActions(run);
			if (stored) counted.push(warmUp, run);
			return [run, warmUp];
		};
		const [onEqual] = await equalRun("batching on (EDGE_BATCH_MS as configured)", "on-equal", { batchMs });
		const [off] = await equalRun("batching off (EDGE_BATCH_MS=0)", "off", { batchMs: 0 });
		const [ceiling, ceilingWarmUp] = await equalRun(
			"shards that skip storage, batching as configured (the ceiling of the path)",
			"ceiling",
			{ batchMs, storageFree: true },
			{ stored: false },
		);
		await service.restart({ batchMs });

		log("cost of one batch at a shard (sequential perform RPCs, a ceremony of its own)…");
		const batchCost = await calibrateBatchCost(service.url, smoke ? [1, 10] : undefined, smoke ? 200 : undefined);
		log(`  ${batchCost.points.map((p) => `n=${p.n}: ${fmt(p.ms, 2)} ms`).join(", ")}`);

		// Exactness over every stored run: what was acknowledged, what the totals say, what the audit recounts.
		const sum = (f) => counted.reduce((n, r) => n + f(r), 0);
		const acknowledged = sum((r) => r.acknowledged);
		const participantsActed = sum((r) => r.participants);
		const expectedByType = Object.fromEntries(ACTION_TYPES.map((t) => [t, sum((r) => r.byType[t])]));
		const stats = await settledTotals(service.url, year, acknowledged);
		const report = await audit(service.url, year);
		const countedActions = ACTION_TYPES.reduce((n, t) => n + stats.actions[t], 0);
		const audited = ACTION_TYPES.reduce((n, t) => n + report.recount.actions[t], 0);
		const replays = sum((r) => r.replays);
		const replaysMatched = sum((r) => r.replaysMatched);
		const refused = {};
		for (const r of counted)
			for (const [code, n] of Object.entries(r.notAcknowledged)) refused[code] = (refused[code] ?? 0) + n;
		const exact =
			countedActions === acknowledged &&
			audited === acknowledged &&
			stats.participants === participantsActed &&
			report.recount.participants === participantsActed &&
			report.match === true &&
			ACTION_TYPES.every(
				(t) => stats.actions[t] === expectedByType[t] && report.recount.actions[t] === expectedByType[t],
			) &&
			replays === replaysMatched;

		const healthz = beforeAndAfter(healthBefore, healthAfter);
		const health = healthz.mean;
		const healthCpu = healthz.cpuPerAnswerMs;
		const figures = {
			date: started.toISOString(),
			cores: cpus().length,
			loadAverageAtStart,
			loadAverageAtEnd: null,
			settings: {
				duration,
				baseline,
				connections,
				shards,
				batchMs: batchMs ?? "default",
				participants,
				direct: args.direct,
			},
			healthz,
			naive,
			on,
			onEqual,
			off,
			ceiling,
			batchCost,
			/** The capacity model's inputs (docs/CAPACITY.md): measured here, in ms. */
			capacityInputs: {
				c1Ms: batchCost.c1,
				c0LocalMs: batchCost.c0,
				workerdCpuPerActionMs: on.cpu?.perAcknowledgedMs ?? null,
				workerdCpuPerHealthzMs: healthCpu,
			},
			exactness: {
				acknowledged,
				counted: countedActions,
				audited,
				auditMatch: report.match,
				lost: Math.max(0, acknowledged - countedActions),
				doubleCounted: Math.max(0, countedActions - acknowledged),
				participants: { acted: participantsActed, counted: stats.participants, audited: report.recount.participants },
				refused,
				replays,
				replaysMatched,
				exact,
			},
		};
		figures.loadAverageAtEnd = loadavg();

		log("");
		log("==== results (one run) ====");
		log(
			`runtime: workerd${smoke ? " (smoke run)" : ""} via Miniflare, ${args.direct ? "direct sockets" : "through its entry worker"}, ${shards} shards, ${connections} connections, load generator on the same machine; load average at start ${figures.loadAverageAtStart.map((n) => n.toFixed(2)).join(" ")}, at end ${figures.loadAverageAtEnd.map((n) => n.toFixed(2)).join(" ")}`,
		);
		row(
			"/healthz",
			`${fmt(health)} req/s (before ${fmt(healthBefore.perSecond)}, after ${fmt(healthAfter.perSecond)}); CPU ${fmt(healthCpu, 3)} ms per request`,
		);
		row(
			"naive single-object counter",
			`${fmt(naive.mean)} actions/s (before ${fmt(naiveBefore.perSecond)}, after ${fmt(naiveAfter.perSecond)}), p99 ${naiveBefore.p99}/${naiveAfter.p99} ms; CPU ${fmt(naive.cpuPerAnswerMs, 3)} ms per request`,
		);
		row(
			"actions, batching on",
			`${fmt(on.perSecond)} actions/s, p50 ${on.p50} ms, p99 ${on.p99} ms (${duration} s); ${cpuText(on.cpu)}`,
		);
		row("ratio to /healthz", `${fmt(on.perSecond / health, 2)}`);
		row("ratio to naive", `${fmt(on.perSecond / naive.mean, 2)}`);
		row(
			"CPU per action ÷ per /healthz",
			`${fmt((on.cpu?.perAcknowledgedMs ?? Number.NaN) / healthCpu, 2)} (naive: ${fmt(naive.cpuPerAnswerMs / healthCpu, 2)})`,
		);
		log(`equal runs (${baseline} s each, after a restart and ${WARM_UP_S} s of actions):`);
		for (const [label, r] of [
			["  batching on", onEqual],
			["  batching off", off],
			["  storage skipped", ceiling],
		]) {
			row(
				label,
				`${fmt(r.perSecond)} actions/s (${fmt(r.perSecond / health, 2)} × /healthz), p50 ${r.p50} ms, p99 ${r.p99} ms; ${cpuText(r.cpu)}`,
			);
		}
		row(
			"DO requests per 1,000 actions",
			`on: ${fmt((on.doRequests * 1000) / on.shardRpcActions, 1)} (shard RPCs ${fmt((on.shardRpcs * 1000) / on.shardRpcActions, 1)}, largest batch ${on.largestBatch}); off: ${fmt((off.doRequests * 1000) / off.shardRpcActions, 1)} (shard RPCs ${fmt((off.shardRpcs * 1000) / off.shardRpcActions, 1)})`,
		);
		row("cost of a batch of n at a shard", `${fmt(batchCost.c0, 2)} + ${fmt(batchCost.c1, 3)}·n ms (fitted)`);
		row(
			"staleness of totals (on)",
			`p50 ${fmt(on.staleness.p50)} ms, p99 ${fmt(on.staleness.p99)} ms, max ${fmt(on.staleness.max)} ms (polled every ${on.staleness.pollMs} ms; ${on.staleness.missing} never seen)`,
		);
		row(
			"exactness",
			`acknowledged ${fmt(acknowledged)}, counted ${fmt(countedActions)}, audited ${fmt(audited)} (audit match: ${report.match}); lost ${figures.exactness.lost}, double-counted ${figures.exactness.doubleCounted}; replays ${fmt(replaysMatched)}/${fmt(replays)} answered with the first answer`,
		);
		row(
			"participants",
			`with a counted action ${fmt(participantsActed)}, in the totals ${fmt(stats.participants)}, recounted ${fmt(report.recount.participants)}`,
		);
		row("final answers other than 201", Object.keys(refused).length === 0 ? "none" : JSON.stringify(refused));
		if (!smoke) {
			const checks = [
				["actions/s ÷ /healthz ≥ 0.4", on.perSecond / health >= TARGETS.ofHealthz, fmt(on.perSecond / health, 2)],
				["actions/s ÷ naive ≥ 1.25", on.perSecond / naive.mean >= TARGETS.ofNaive, fmt(on.perSecond / naive.mean, 2)],
				["p99 latency ≤ 250 ms", on.p99 <= TARGETS.latencyP99Ms, `${fmt(on.p99)} ms`],
				["p99 staleness ≤ 2 s", on.staleness.p99 <= TARGETS.stalenessP99Ms, `${fmt(on.staleness.p99)} ms`],
				[
					"≥ 200,000 actions, none lost or double-counted, participants exact",
					acknowledged >= TARGETS.minActions && exact,
					`${fmt(acknowledged)}, exact: ${exact}`,
				],
			];
			log("targets:");
			for (const [name, met, value] of checks) log(`  ${met ? "met   " : "MISSED"} ${name}: ${value}`);
		}
		for (const r of [...counted, ceiling])
			if (r.exhausted && !r.tag.endsWith("-warm"))
				log(`warning: the run "${r.tag}" used up its participants (raise --participants or --expected-rate)`);
		const jsonPath = args.json ?? (smoke ? undefined : DEFAULT_JSON);
		if (jsonPath) writeFileSync(jsonPath, `${JSON.stringify(figures, null, "\t")}\n`);
		if (!exact) {
			console.error(
				"EXACTNESS FAILED",
				JSON.stringify(figures.exactness),
				counted.map((r) => r.replayMismatches),
			);
			process.exitCode = 1;
		}
		if (smoke && on.shardRpcs >= on.shardRpcActions) {
			console.error("batching sent no fewer shard RPCs than actions");
			process.exitCode = 1;
		}
		// The ceiling skips only the shards' storage: its shards still lease certificates and push
		// snapshots (a lease block lasts longer as it doubles, so its warm-up counts too).
		const ceilingCalls = (method) =>
			(ceiling.doRequestsByMethod[method] ?? 0) + (ceilingWarmUp.doRequestsByMethod[method] ?? 0);
		const ceilingMissing = ["ShardDO.alarm", "AggregatorDO.applySnapshot", "CeremonyDO.leaseCertificates"].filter(
			(method) => !(ceilingCalls(method) > 0),
		);
		if (ceilingMissing.length > 0) {
			console.error(`the storage-skipped run and its warm-up made no ${ceilingMissing.join(", no ")}`);
			process.exitCode = 1;
		}
	} finally {
		await service.stop();
	}
}

/** workerd's CPU over a phase, as printed. */
function cpuText(cpu) {
	if (!cpu) return "CPU not measured";
	const perAck =
		cpu.perAcknowledgedMs === undefined ? "" : `, ${fmt(cpu.perAcknowledgedMs, 3)} ms per acknowledged action`;
	return `CPU ${fmt(cpu.perAnswerMs, 3)} ms per answer${perAck} (${fmt(cpu.ms / 1000, 1)} s in all)`;
}

/** CPU per answer over two phases together. */
function meanCpu(a, b) {
	if (!a || !b) return Number.NaN;
	return (a.ms + b.ms) / (a.answers + b.answers);
}

/** A baseline measured before and after the actions: its mean rate, and its CPU per answer over both. */
function beforeAndAfter(before, after) {
	return {
		before,
		after,
		mean: (before.perSecond + after.perSecond) / 2,
		cpuPerAnswerMs: meanCpu(before.cpu, after.cpu),
	};
}

function printActions(r) {
	log(
		`  ${fmt(r.perSecond)} actions/s acknowledged (${fmt(r.acknowledgedInRun)} in ${r.durationS} s), p50 ${r.p50} ms, p99 ${r.p99} ms; statuses ${JSON.stringify(r.statuses)}; retried after the run ${r.retried}`,
	);
	log(
		`  shard RPCs ${fmt(r.shardRpcs)} for ${fmt(r.shardRpcActions)} actions (largest batch ${r.largestBatch}); all DO requests ${fmt(r.doRequests)}`,
	);
	const perThousand = Object.entries(r.doRequestsByMethod ?? {})
		.filter(([, n]) => n > 0)
		.sort((a, b) => b[1] - a[1])
		.map(([name, n]) => `${name} ${fmt((n * 1000) / r.shardRpcActions, 1)}`);
	if (perThousand.length) log(`  DO requests per 1,000 actions: ${perThousand.join(", ")}`);
	if (r.staleness) log(`  staleness p50 ${fmt(r.staleness.p50)} ms, p99 ${fmt(r.staleness.p99)} ms`);
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
