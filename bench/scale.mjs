#!/usr/bin/env node
// `npm run bench:scale` (manual, not in CI): 1 million actions from 1 million distinct
// participants into one ceremony, in steps. After each step it prints workerd's resident memory
// and each shard's SQLite size; at the end the totals must equal what was acknowledged, and the
// audit must recount the same. Exits non-zero otherwise.
// Options: --participants N (1000000), --step N (100000), --connections N (64), --shards N (8),
//   --batch-ms MS (the code's default), --json FILE.
import { writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { ACTION_TYPES, audit, getJson, mintParticipants, runActions, settledTotals, shardInfo } from "./lib/load.mjs";
import { startService } from "./lib/server.mjs";

const { values: args } = parseArgs({
	options: {
		participants: { type: "string", default: "1000000" },
		step: { type: "string", default: "100000" },
		connections: { type: "string", default: "64" },
		shards: { type: "string", default: "8" },
		"batch-ms": { type: "string" },
		json: { type: "string" },
	},
});
const total = Number(args.participants);
const step = Number(args.step);
const connections = Number(args.connections);
const shards = Number(args.shards);
const batchMs = args["batch-ms"] === undefined ? undefined : Number(args["batch-ms"]);

const mb = (bytes) => (bytes / 1024 / 1024).toFixed(1);
const fmt = (n) => n.toLocaleString("en-US");

async function main() {
	console.log(
		`scale run: ${fmt(total)} participants, one action each, ${shards} shards; ${cpus().length} cores, load average ${loadavg()
			.map((n) => n.toFixed(2))
			.join(" ")}`,
	);
	const service = await startService({ shards, batchMs });
	const rows = [];
	let exact = false;
	try {
		const { url } = service;
		const { year, shardCount } = await getJson(url, "/api/v1/ceremonies/current");
		console.log(
			`service at ${url}, ceremony ${year}, ${shardCount} shards; workerd ${mb(service.memory())} MB at start`,
		);
		console.log(
			[
				"participants",
				"acknowledged",
				"actions/s",
				"p99 ms",
				"workerd MB",
				"SQLite MB per shard",
				"SQLite MB in all",
			].join("\t"),
		);
		let acknowledged = 0;
		const byType = Object.fromEntries(ACTION_TYPES.map((t) => [t, 0]));
		const startedAt = performance.now();
		for (let done = 0; done < total; done += step) {
			const n = Math.min(step, total - done);
			const tokens = await mintParticipants(url, n);
			const r = await runActions({
				url,
				year,
				tokens,
				tag: `scale-${done}`,
				perParticipant: 1,
				amount: n,
				connections,
				replayEvery: 0,
				watch: false,
			});
			acknowledged += r.acknowledged;
			for (const t of ACTION_TYPES) byType[t] += r.byType[t];
			const info = await shardInfo(url, year, shardCount);
			const bytes = info.map((s) => s.bytes);
			const row = {
				participants: done + n,
				acknowledged,
				perSecond: r.acknowledged / r.elapsedS,
				p99: r.p99,
				workerdBytes: service.memory(),
				shardBytes: bytes,
				shardParticipants: info.map((s) => s.participants),
			};
			rows.push(row);
			console.log(
				[
					fmt(row.participants),
					fmt(acknowledged),
					Math.round(row.perSecond),
					r.p99,
					mb(row.workerdBytes ?? 0),
					bytes.map(mb).join(" "),
					mb(bytes.reduce((a, b) => a + b, 0)),
				].join("\t"),
			);
		}
		const stats = await settledTotals(url, year, acknowledged, 30_000);
		const report = await audit(url, year);
		const counted = ACTION_TYPES.reduce((n, t) => n + stats.actions[t], 0);
		const audited = ACTION_TYPES.reduce((n, t) => n + report.recount.actions[t], 0);
		exact =
			acknowledged === total &&
			counted === acknowledged &&
			audited === acknowledged &&
			stats.participants === total &&
			report.recount.participants === total &&
			report.match === true &&
			ACTION_TYPES.every((t) => stats.actions[t] === byType[t]);
		console.log(
			`after ${((performance.now() - startedAt) / 60_000).toFixed(1)} min: acknowledged ${fmt(acknowledged)}, counted ${fmt(counted)}, audited ${fmt(audited)}; participants ${fmt(stats.participants)} (recount ${fmt(report.recount.participants)}); audit match ${report.match}; exact: ${exact}`,
		);
		if (args.json) writeFileSync(args.json, `${JSON.stringify({ rows, stats, exact }, null, "\t")}\n`);
	} finally {
		await service.stop();
	}
	if (!exact) process.exitCode = 1;
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
