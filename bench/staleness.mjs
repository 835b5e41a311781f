#!/usr/bin/env node
// `npm run bench:staleness -- --shards N`: how long an acknowledged action takes to be visible at
// the public stats URL, under sustained load, on the local runtime (workerd through Miniflare, no
// dev proxy). A ceremony of N shards; a fixed rate of actions (default 150/s for 20 s, from 3,000
// participants, one action each of the four types in turn); a reader polling the plain
// `GET /api/v1/ceremonies/{year}/stats` every 100 ms. Prints p50/p99/max lag, whether the totals
// are exact (public totals and the audit against the acknowledged actions), and the CeremonyDO's
// calls a second during the run. Exits non-zero when p99 > 2 s or a count is not exact.
// Options: --shards N (8), --rate R (150), --duration S (20), --participants N (3000),
// --poll-ms MS (100), --json FILE.
import { writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { actionTotal, audit, getJson, mintParticipants, runActions, settledTotals, tally } from "./lib/load.mjs";
import { startService } from "./lib/server.mjs";

const { values: args } = parseArgs({
	options: {
		shards: { type: "string", default: "8" },
		rate: { type: "string", default: "150" },
		duration: { type: "string", default: "20" },
		participants: { type: "string", default: "3000" },
		"poll-ms": { type: "string", default: "100" },
		connections: { type: "string", default: "32" },
		json: { type: "string" },
	},
});
const shards = Number(args.shards);
const rate = Number(args.rate);
const duration = Number(args.duration);
const participants = Number(args.participants);
const pollMs = Number(args["poll-ms"]);
const P99_LIMIT_MS = 2_000;
const fmt = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : String(n));

async function main() {
	const load = () =>
		loadavg()
			.map((n) => n.toFixed(2))
			.join(" ");
	console.log(`bench:staleness: ${cpus().length} cores, load average ${load()}`);
	const service = await startService({ shards });
	try {
		const { url } = service;
		const ceremony = await getJson(url, "/api/v1/ceremonies/current");
		const year = ceremony.year;
		console.log(`service: workerd via Miniflare at ${url}, ceremony ${year} with ${ceremony.shardCount} shards`);
		// One action from each of 2·S participants first, so most shards and every aggregator exist
		// before the timed run (a ceremony's objects are all awake during its burst).
		const warm = Math.min(2 * shards, 2_048);
		const tokens = await mintParticipants(url, participants + warm);
		await runActions({
			url,
			year,
			tokens: tokens.slice(0, warm),
			tag: "warm",
			perParticipant: 1,
			amount: warm,
			connections: 16,
			watch: false,
		});
		const startTotal = actionTotal(await settledTotals(url, year, warm));
		const before = await tally(url);
		const run = await runActions({
			url,
			year,
			tokens: tokens.slice(warm),
			tag: "stale",
			perParticipant: 4,
			duration,
			rate,
			connections: Number(args.connections),
			replayEvery: 0,
			pollMs,
		});
		const after = await tally(url);
		const expected = startTotal + run.acknowledged;
		const totals = await settledTotals(url, year, expected);
		const report = await audit(url, year);
		const ceremonyCalls = after.ceremonyCalls - before.ceremonyCalls;
		const aggregatorCalls = after.aggregatorCalls - before.aggregatorCalls;
		const callsByMethod = Object.fromEntries(
			Object.entries(after.byMethod)
				.map(([name, n]) => [name, n - (before.byMethod[name] ?? 0)])
				.filter(([, n]) => n > 0),
		);
		const byMethod = Object.fromEntries(
			Object.entries(callsByMethod).filter(([name]) => name.startsWith("CeremonyDO.")),
		);
		const s = run.staleness;
		const result = {
			shards,
			rate,
			durationS: run.durationS,
			acknowledged: run.acknowledged,
			actionsPerS: run.perSecond,
			lagMs: { p50: s.p50, p99: s.p99, max: s.max, missing: s.missing, pollMs },
			exact: actionTotal(totals) === expected && report.match,
			publicTotal: actionTotal(totals),
			expectedTotal: expected,
			auditMatch: report.match,
			ceremonyCallsPerS: ceremonyCalls / run.elapsedS,
			aggregatorCallsPerS: aggregatorCalls / run.elapsedS,
			ceremonyCallsByMethod: byMethod,
			callsByMethod,
			loadAverage: load(),
		};
		console.log(
			`${shards} shards: ${fmt(run.acknowledged)} actions acknowledged at ${run.perSecond.toFixed(1)}/s over ${run.durationS} s`,
		);
		console.log(
			`  lag to the public stats URL: p50 ${fmt(s.p50)} ms, p99 ${fmt(s.p99)} ms, max ${fmt(s.max)} ms (reader every ${pollMs} ms, ${s.missing} never seen)`,
		);
		console.log(
			`  exact: ${result.exact} (public ${fmt(result.publicTotal)} of ${fmt(expected)}, audit match ${report.match})`,
		);
		console.log(
			`  CeremonyDO calls/s: ${result.ceremonyCallsPerS.toFixed(1)} ${JSON.stringify(byMethod)}; AggregatorDO calls/s: ${result.aggregatorCallsPerS.toFixed(1)}`,
		);
		console.log(`  all Durable Object calls: ${JSON.stringify(callsByMethod)}`);
		console.log(`  load average after: ${load()}`);
		if (args.json) writeFileSync(args.json, `${JSON.stringify(result, null, 2)}\n`);
		if (!result.exact || !(s.p99 <= P99_LIMIT_MS) || s.missing > 0) process.exitCode = 1;
	} finally {
		await service.stop();
	}
}

await main();
