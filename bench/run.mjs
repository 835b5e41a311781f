#!/usr/bin/env node
// `npm run bench`: the throughput of the action path on the local runtime (workerd through
// Miniflare, no dev proxy), from one run:
//   /healthz requests/s (the storage-free baseline), before and after the action runs;
//   the naive baseline: one Durable Object counter that every action updates;
//   actions with edge micro-batching on (the service as configured): acknowledged actions/s,
//   p50/p99 latency, staleness of the public totals, exactness (acknowledged, counted, audited);
//   the same with batching off (EDGE_BATCH_MS=0), and Durable Object requests per 1,000 actions.
// Options: --duration S (actions, batching on; default 240), --baseline S (each other phase;
// default 10), --connections N (64), --shards N (8), --batch-ms MS (the code's default),
// --participants N (minted for the main run; default: --expected-rate 2500 actions/s times the
// duration, four actions each), --smoke (a few
// seconds, for CI: exits non-zero unless every count is exact), --json FILE (write the figures).
import { writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
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
const offParticipants = Math.ceil((baseline * Number(args["expected-rate"])) / 4);

const TARGETS = { ofHealthz: 0.5, ofNaive: 1.4, stalenessP99Ms: 2_000, minActions: 200_000 };
const fmt = (n, digits = 0) =>
	Number.isFinite(n)
		? n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits })
		: String(n);
const log = (...parts) => console.log(...parts);
const row = (label, text) => console.log(`${label.padEnd(34)}${text}`);

async function main() {
	const started = new Date();
	log(
		`bench: ${smoke ? "smoke, " : ""}${cpus().length} cores, load average ${loadavg()
			.map((n) => n.toFixed(2))
			.join(" ")}`,
	);
	const service = await startService({ shards, batchMs });
	try {
		const { url } = service;
		const ceremony = await getJson(url, "/api/v1/ceremonies/current");
		const year = ceremony.year;
		log(
			`service: workerd via Miniflare at ${url}, ceremony ${year} with ${ceremony.shardCount} shards, EDGE_BATCH_MS=${batchMs ?? "(default)"}`,
		);

		log(`minting ${fmt(participants + 2 * offParticipants)} participants with the committee token…`);
		const mintStarted = performance.now();
		const tokens = await mintParticipants(url, participants + 2 * offParticipants);
		log(`  ${fmt(tokens.length)} in ${fmt((performance.now() - mintStarted) / 1000, 1)} s`);
		const mainTokens = tokens.slice(0, participants);
		const offTokens = tokens.slice(participants, participants + offParticipants);
		const ceilingTokens = tokens.slice(participants + offParticipants);

		await measureHealthz(url, { connections, duration: 2 }); // warm-up
		log(`/healthz, ${baseline} s…`);
		const healthBefore = await measureHealthz(url, { connections, duration: baseline });
		log(`  ${fmt(healthBefore.perSecond)} req/s, p50 ${healthBefore.p50} ms, p99 ${healthBefore.p99} ms`);

		log(`naive counter (one Durable Object, get+put per action), ${baseline} s…`);
		const naive = await measureNaive(url, { connections, duration: baseline });
		log(
			`  ${fmt(naive.perSecond)} actions/s, p50 ${naive.p50} ms, p99 ${naive.p99} ms, counter +${fmt(naive.counterDelta)}`,
		);

		log(`actions, batching on, ${duration} s, ${connections} connections…`);
		const on = await runActions({ url, year, tokens: mainTokens, tag: "on", duration, connections });
		printActions(on);

		log(`/healthz again, ${baseline} s…`);
		const healthAfter = await measureHealthz(url, { connections, duration: baseline });
		log(`  ${fmt(healthAfter.perSecond)} req/s`);

		log("restarting workerd with EDGE_BATCH_MS=0 (Durable Object state kept)…");
		await service.restart({ batchMs: 0 });
		await measureHealthz(service.url, { connections, duration: 2 }); // warm-up
		log(`actions, batching off, ${baseline} s…`);
		const off = await runActions({
			url: service.url,
			year,
			tokens: offTokens,
			tag: "off",
			duration: baseline,
			connections,
		});
		printActions(off);

		log("cost of one batch at a shard (sequential perform RPCs, a ceremony of its own)…");
		const batchCost = await calibrateBatchCost(service.url, smoke ? [1, 10] : undefined, smoke ? 200 : undefined);
		log(`  ${batchCost.points.map((p) => `n=${p.n}: ${fmt(p.ms, 2)} ms`).join(", ")}`);

		// Exactness over both runs: what was acknowledged, what the totals say, what the audit recounts.
		const acknowledged = on.acknowledged + off.acknowledged;
		const expectedByType = Object.fromEntries(ACTION_TYPES.map((t) => [t, on.byType[t] + off.byType[t]]));
		const stats = await settledTotals(service.url, year, acknowledged);
		const report = await audit(service.url, year);
		const counted = ACTION_TYPES.reduce((n, t) => n + stats.actions[t], 0);
		const audited = ACTION_TYPES.reduce((n, t) => n + report.recount.actions[t], 0);
		const replays = on.replays + off.replays;
		const replaysMatched = on.replaysMatched + off.replaysMatched;
		const exact =
			counted === acknowledged &&
			audited === acknowledged &&
			report.match === true &&
			ACTION_TYPES.every(
				(t) => stats.actions[t] === expectedByType[t] && report.recount.actions[t] === expectedByType[t],
			) &&
			replays === replaysMatched;

		// The ceiling: the same path with shards that answer without touching storage.
		log(`restarting workerd with shards that skip storage (EDGE_BATCH_MS as configured)…`);
		await service.restart({ batchMs, storageFree: true });
		await measureHealthz(service.url, { connections, duration: 2 }); // warm-up
		log(`actions, storage skipped (the ceiling of the path), ${baseline} s…`);
		const ceiling = await runActions({
			url: service.url,
			year,
			tokens: ceilingTokens,
			tag: "ceiling",
			duration: baseline,
			connections,
			replayEvery: 0,
			watch: false,
		});
		log(`  ${fmt(ceiling.perSecond)} actions/s, p50 ${ceiling.p50} ms, p99 ${ceiling.p99} ms`);

		const health = (healthBefore.perSecond + healthAfter.perSecond) / 2;
		const figures = {
			date: started.toISOString(),
			cores: cpus().length,
			loadAverageAtStart: loadavg(),
			settings: { duration, baseline, connections, shards, batchMs: batchMs ?? "default", participants },
			healthz: { before: healthBefore, after: healthAfter, mean: health },
			naive,
			on,
			off,
			ceiling,
			batchCost,
			exactness: {
				acknowledged,
				counted,
				audited,
				auditMatch: report.match,
				lost: Math.max(0, acknowledged - counted),
				doubleCounted: Math.max(0, counted - acknowledged),
				replays,
				replaysMatched,
				exact,
			},
		};

		log("");
		log("==== results (one run) ====");
		log(
			`runtime: workerd${smoke ? " (smoke run)" : ""} via Miniflare, ${shards} shards, ${connections} connections, load generator on the same machine`,
		);
		row(
			"/healthz",
			`${fmt(health)} req/s (before ${fmt(healthBefore.perSecond)}, after ${fmt(healthAfter.perSecond)})`,
		);
		row("naive single-object counter", `${fmt(naive.perSecond)} actions/s, p50 ${naive.p50} ms, p99 ${naive.p99} ms`);
		row("actions, batching on", `${fmt(on.perSecond)} actions/s, p50 ${on.p50} ms, p99 ${on.p99} ms`);
		row("actions, batching off", `${fmt(off.perSecond)} actions/s, p50 ${off.p50} ms, p99 ${off.p99} ms`);
		row("actions, storage skipped", `${fmt(ceiling.perSecond)} actions/s (the ceiling of the path)`);
		row(
			"ratio to /healthz",
			`${fmt(on.perSecond / health, 2)} (off: ${fmt(off.perSecond / health, 2)}; ceiling: ${fmt(ceiling.perSecond / health, 2)})`,
		);
		row(
			"ratio to naive",
			`${fmt(on.perSecond / naive.perSecond, 2)} (off: ${fmt(off.perSecond / naive.perSecond, 2)})`,
		);
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
			`acknowledged ${fmt(acknowledged)}, counted ${fmt(counted)}, audited ${fmt(audited)} (audit match: ${report.match}); lost ${figures.exactness.lost}, double-counted ${figures.exactness.doubleCounted}; replays ${fmt(replaysMatched)}/${fmt(replays)} answered with the first answer`,
		);
		if (!smoke) {
			const checks = [
				["actions/s ÷ /healthz ≥ 0.5", on.perSecond / health >= TARGETS.ofHealthz, fmt(on.perSecond / health, 2)],
				[
					"actions/s ÷ naive ≥ 1.4",
					on.perSecond / naive.perSecond >= TARGETS.ofNaive,
					fmt(on.perSecond / naive.perSecond, 2),
				],
				["p99 staleness ≤ 2 s", on.staleness.p99 <= TARGETS.stalenessP99Ms, `${fmt(on.staleness.p99)} ms`],
				[
					"≥ 200,000 actions, none lost or double-counted",
					acknowledged >= TARGETS.minActions && exact,
					`${fmt(acknowledged)}, exact: ${exact}`,
				],
			];
			log("targets:");
			for (const [name, met, value] of checks) log(`  ${met ? "met   " : "MISSED"} ${name}: ${value}`);
		}
		if (on.exhausted || off.exhausted) log("warning: the run used up its participants (raise --participants)");
		if (args.json) writeFileSync(args.json, `${JSON.stringify(figures, null, "\t")}\n`);
		if (!exact) {
			console.error("EXACTNESS FAILED", JSON.stringify(figures.exactness), on.replayMismatches, off.replayMismatches);
			process.exitCode = 1;
		}
		if (smoke && on.shardRpcs >= on.shardRpcActions) {
			console.error("batching sent no fewer shard RPCs than actions");
			process.exitCode = 1;
		}
	} finally {
		await service.stop();
	}
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
