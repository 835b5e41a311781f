#!/usr/bin/env node
// `npm run bench:profile`: where an action's CPU goes. Starts the service as `npm run bench`
// does (workerd through Miniflare, 8 shards, the configured batching) with workerd's inspector on
// a free port, sends actions with 64 connections, and records V8 CPU profiles over the Chrome
// DevTools Protocol (`Profiler` domain) of the Worker's isolate (the Worker and, in one workerd,
// its Durable Objects) and of Miniflare's entry worker, which every request of the benchmarks
// passes through. The profiles are written as .cpuprofile files (open them in Chrome DevTools);
// each sample is attributed to a stage of the action path by its stack (the innermost frame of
// ours or of a library decides; native calls go to their caller), and each stage is printed as
// a share of the isolate's samples and as milliseconds per acknowledged action.
// Each SQL statement runs in a function of its kind for the profile (BENCH_PROFILE_SQL in
// bench/harness-entry.mjs), so statements are told apart.
// Options: --duration S (profiled actions; 15), --warm-up S (3), --connections N (64),
// --shards N (8), --batch-ms MS, --interval-us N (the sampling interval; 250), --out DIR
// (bench/results/profiles), --json FILE.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import WebSocket from "ws";
import { mintParticipants, runActions, tally } from "./lib/load.mjs";
import { startService } from "./lib/server.mjs";

/** The RPC by which each parent of the tree receives a child's snapshot (bench/harness-entry.mjs counts them). */
const SNAPSHOT_METHODS = { AggregatorDO: "AggregatorDO.applySnapshot", CeremonyDO: "CeremonyDO.applyAggregate" };

const { values: args } = parseArgs({
	options: {
		duration: { type: "string", default: "15" },
		"warm-up": { type: "string", default: "3" },
		connections: { type: "string", default: "64" },
		shards: { type: "string", default: "8" },
		"batch-ms": { type: "string" },
		"interval-us": { type: "string", default: "250" },
		out: { type: "string", default: fileURLToPath(new URL("./results/profiles", import.meta.url)) },
		json: { type: "string" },
	},
});
const duration = Number(args.duration);
const warmUp = Number(args["warm-up"]);
const connections = Number(args.connections);
const batchMs = args["batch-ms"] === undefined ? undefined : Number(args["batch-ms"]);
const EXPECTED_RATE = 2_500;
/** The isolates profiled: the Worker with its Durable Objects, and Miniflare's entry worker. */
const TARGETS = ["core:user:baizu-online", "core:entry"];

const fmt = (n, digits = 0) =>
	Number.isFinite(n)
		? n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits })
		: String(n);

function freePort() {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.on("error", reject);
		server.listen(0, "127.0.0.1", () => {
			const { port } = server.address();
			server.close(() => resolve(port));
		});
	});
}

/** A Chrome DevTools Protocol session over the inspector's websocket. */
async function connect(url) {
	const socket = new WebSocket(url);
	await new Promise((resolve, reject) => {
		socket.once("open", resolve);
		socket.once("error", reject);
	});
	let nextId = 1;
	const pending = new Map();
	socket.on("message", (data) => {
		const message = JSON.parse(String(data));
		const waiter = pending.get(message.id);
		if (!waiter) return;
		pending.delete(message.id);
		if (message.error) waiter.reject(new Error(`${waiter.method}: ${JSON.stringify(message.error)}`));
		else waiter.resolve(message.result);
	});
	return {
		send(method, params = {}) {
			const id = nextId++;
			socket.send(JSON.stringify({ id, method, params }));
			return new Promise((resolve, reject) => pending.set(id, { resolve, reject, method }));
		},
		close: () => socket.close(),
	};
}

// ---- attribution ----

/** Line ranges of the bundle's source files, from esbuild's `// path` comments. */
function bundleFiles(bundlePath) {
	const lines = readFileSync(bundlePath, "utf8").split("\n");
	const starts = [];
	lines.forEach((line, i) => {
		const match = /^\/\/ ((?:src|durable|node_modules)\/\S+)$/.exec(line);
		if (match) starts.push({ line: i, file: packageOf(match[1]) });
	});
	const fileAt = (line) => {
		let lo = 0;
		let hi = starts.length - 1;
		let found = "(bundle)";
		while (lo <= hi) {
			const mid = (lo + hi) >> 1;
			if (starts[mid].line <= line) {
				found = starts[mid].file;
				lo = mid + 1;
			} else hi = mid - 1;
		}
		return found;
	};
	return { fileAt, textAt: (line) => lines[line] ?? "" };
}

/** A library's files as the package: node_modules/zod/v4/core/x.js → node_modules/zod. */
function packageOf(path) {
	const match = /^node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path);
	return match ? `node_modules/${match[1]}` : path;
}

const SQL_LABELS = {
	sqlIdempotencyLookup: "SQL: idempotency lookup (actions by key)",
	sqlParticipantRead: "SQL: participant read",
	sqlParticipantUpsert: "SQL: participant upsert",
	sqlActionInsert: "SQL: action log insert",
	sqlBlessingInsert: "SQL: blessing insert",
	sqlShardState: "SQL: shard state and configuration version",
	sqlCounters: "SQL: counter upserts (totals, regions, minutes)",
	sqlLease: "SQL: certificate lease",
	sqlSnapshotRead: "SQL: other reads (snapshots, audit, wall)",
	sqlOther: "SQL: other writes",
};

/**
 * The stage of one frame, or null when the frame says nothing by itself (native calls, which go
 * to their caller). Rules in order; the innermost frame with a stage decides.
 */
function stageOfFrame({ file, fn, text }) {
	if (file === "bench/harness-entry.mjs") {
		if (Object.hasOwn(SQL_LABELS, fn)) return SQL_LABELS[fn];
		if (fn === "rowsOf" || fn === "sql.exec") return null;
		if (fn === "fetch") return "routing and middleware";
		if (fn === "alarm") return "alarms and snapshots";
		if (fn === "perform") return "shard: perform and commit (JS)";
		return "RPC: the stub call (with the bench's counting proxy)";
	}
	// The state row is read for batches, snapshots and leases alike: its caller decides.
	if (file === "durable/sql.ts" || file === "durable/shard-state.ts" || fn === "get state") return null;
	if (/certificate-lease/.test(file) || /^(requestLease|leaseCertificates)$/.test(fn)) return "certificate leases";
	if (/shard-counters/.test(file)) return "counters, folded in from the log";
	if (/^(salted|loadFingerprintKey)$/.test(fn) || /fingerprint/.test(file)) return "fingerprint salting at the shard";
	if (
		/push-schedule|snapshot|aggregator|wall-outbox/.test(file) ||
		/^(alarm|pushSnapshot|snapshot|newBlessings|hasUnsentWork|applySnapshot|applyAggregate|pullSnapshot)$/.test(fn)
	)
		return "alarms and snapshots";
	if (/^durable\/ceremony/.test(file)) return "CeremonyDO (configuration, reads)";
	if (/^durable\//.test(file)) return "shard: perform and commit (JS)";
	if (/\.perform\(/.test(text)) return "RPC: the stub call (with the bench's counting proxy)";
	if (/src\/shard-batcher\.ts/.test(file)) return "batcher";
	if (/blessing-text|hold-words|opencc-js|src\/domain\/script/.test(file) || fn === "normalisedMessage")
		return "blessing normalisation";
	if (/src\/auth\/|src\/http\/secrets/.test(file) || /requireParticipant\s*=/.test(text)) return "token check";
	if (/src\/http\/rate-limits/.test(file)) return "rate limit";
	if (/zod|src\/http\/validation|src\/schemas\//.test(file)) return "validation";
	if (/src\/ceremonies|participant-shard|shard-routing|calendar|lunar-javascript|src\/domain\/ceremony/.test(file))
		return "configuration and shard routing";
	if (fn === "respond" || /src\/http\/country/.test(file)) return "action handler: answer and country";
	if (/src\/routes\/actions/.test(file)) return "action handler (the rest)";
	if (/src\/http\/(errors|problem)/.test(file)) return "errors (problem+json)";
	if (/hono|security-headers|src\/http\/guards|src\/app\.ts|src\/index\.ts/.test(file)) return "routing and middleware";
	if (/^node_modules\//.test(file)) return `library: ${file.slice("node_modules/".length)}`;
	if (/^(src|durable)\//.test(file)) return `other: ${file}`;
	if (file.startsWith("other: ")) return file;
	return null;
}

/** Stages whose SQL is counted as theirs, not as the action's statements. */
const SQL_CALLERS = new Set(["alarms and snapshots", "CeremonyDO (configuration, reads)", "certificate leases"]);

const SPECIAL = {
	"(program)": "(program): native work in the isolate's thread, not in JavaScript",
	"(garbage collector)": "(garbage collector)",
	"(idle)": "(idle)",
	"(root)": "(root)",
};

function attribute(profile, bundle, entryFile) {
	const byId = new Map(profile.nodes.map((node) => [node.id, node]));
	const parent = new Map();
	for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
	const frameOf = (node) => {
		const { functionName: fn, url, lineNumber } = node.callFrame;
		if (/(^|\/)index\.js$/.test(url)) return { fn, file: bundle.fileAt(lineNumber), text: bundle.textAt(lineNumber) };
		if (/(^|\/)entry\.mjs$/.test(url)) return { fn, file: entryFile, text: "" };
		return { fn, file: url ? `other: ${url}` : "(native)", text: "" };
	};
	const memo = new Map();
	const stageOf = (id) => {
		if (memo.has(id)) return memo.get(id);
		const node = byId.get(id);
		const name = node.callFrame.functionName;
		let stage;
		const up = parent.get(id);
		if (Object.hasOwn(SPECIAL, name)) stage = SPECIAL[name];
		else if (Object.hasOwn(SQL_LABELS, name) && up !== undefined) {
			// A statement run for a snapshot, a lease or the CeremonyDO belongs to that stage.
			const caller = stageOf(up);
			stage = SQL_CALLERS.has(caller) ? `${caller} (SQL)` : SQL_LABELS[name];
		} else {
			const own = node.callFrame.url === "" ? null : stageOfFrame(frameOf(node));
			stage = own ?? (up === undefined ? "unattributed" : stageOf(up));
			if (stage === SPECIAL["(root)"])
				stage =
					node.callFrame.url === ""
						? "runtime: native callbacks with no JavaScript frame of ours (RPC delivery, I/O)"
						: `unattributed: ${name || "(anonymous)"} ${node.callFrame.url}`;
		}
		memo.set(id, stage);
		return stage;
	};
	const us = new Map();
	const deltas = profile.timeDeltas ?? [];
	profile.samples.forEach((id, i) => {
		const dt = deltas[i + 1] ?? (profile.endTime - profile.startTime) / profile.samples.length;
		const stage = stageOf(id);
		us.set(stage, (us.get(stage) ?? 0) + dt);
	});
	return us;
}

// ---- the run ----

async function main() {
	const inspectorPort = await freePort();
	console.log(
		`profile: load average ${loadavg()
			.map((n) => n.toFixed(2))
			.join(" ")}, inspector on ${inspectorPort}`,
	);
	const service = await startService({ shards: Number(args.shards), batchMs, inspectorPort, profileSql: true });
	try {
		const { url } = service;
		const ceremony = await (await fetch(`${url}/api/v1/ceremonies/current`)).json();
		const perRun = (s) => Math.ceil((s * EXPECTED_RATE) / 4);
		const tokens = await mintParticipants(url, perRun(warmUp) + TARGETS.length * perRun(duration));
		const targets = await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json();
		const common = { url, year: ceremony.year, connections, replayEvery: 100, watch: false };
		let used = 0;
		const take = (n) => {
			const slice = tokens.slice(used, used + n);
			used += n;
			return slice;
		};
		await runActions({ ...common, tokens: take(perRun(warmUp)), tag: "profile-warm", duration: warmUp });

		// One isolate at a time: workerd runs every isolate on one thread, and two profilers at once
		// would each sample the other's JavaScript.
		const windows = {};
		for (const id of TARGETS) {
			const target = targets.find((t) => t.id === id);
			if (!target) throw new Error(`no inspector target ${id}: ${targets.map((t) => t.id).join(", ")}`);
			const session = await connect(target.webSocketDebuggerUrl);
			await session.send("Profiler.enable");
			await session.send("Profiler.setSamplingInterval", { interval: Number(args["interval-us"]) });
			await session.send("Profiler.start");
			const before = await tally(url);
			const rowsBefore = before.sqlRows;
			const cpuBefore = service.cpuMs();
			const run = await runActions({ ...common, tokens: take(perRun(duration)), tag: `profile-${id}`, duration });
			const cpuMs = service.cpuMs() - cpuBefore;
			const { profile } = await session.send("Profiler.stop");
			session.close();
			const after = await tally(url);
			const rowsAfter = after.sqlRows;
			// Snapshots each parent received in the window: its rows written are counted per snapshot.
			const received = Object.fromEntries(
				Object.entries(SNAPSHOT_METHODS).map(([name, method]) => [
					name,
					(after.byMethod[method] ?? 0) - (before.byMethod[method] ?? 0),
				]),
			);
			const rows = Object.fromEntries(
				Object.entries(rowsAfter).map(([name, r]) => [
					name,
					{ read: r.read - (rowsBefore[name]?.read ?? 0), written: r.written - (rowsBefore[name]?.written ?? 0) },
				]),
			);
			windows[id] = { run, cpuMs, profile, rows, received };
		}
		mkdirSync(args.out, { recursive: true });
		const bundle = bundleFiles(join(service.buildDir, "index.js"));
		const report = { date: new Date().toISOString(), loadAverage: loadavg(), isolates: {} };
		for (const [id, { run, cpuMs, profile, rows: sqlRows, received }] of Object.entries(windows)) {
			const actions = run.acknowledgedInRun;
			const rowsText = Object.entries(sqlRows)
				.map(([name, r]) => `${name} ${fmt(r.read / actions, 1)} read, ${fmt(r.written / actions, 1)} written`)
				.join("; ");
			const file = join(args.out, `${id.replace(/[^\w.-]+/g, "_")}.cpuprofile`);
			writeFileSync(file, JSON.stringify(profile));
			const us = attribute(profile, bundle, "bench/harness-entry.mjs");
			const idle = us.get(SPECIAL["(idle)"]) ?? 0;
			us.delete(SPECIAL["(idle)"]);
			const busy = [...us.values()].reduce((a, b) => a + b, 0);
			const cpuPerAction = cpuMs / actions;
			console.log(
				`\n${id}: ${fmt(actions)} actions acknowledged in ${run.durationS} s (${fmt(run.perSecond)}/s, p99 ${run.p99} ms), mean batch ${fmt(run.shardRpcActions / run.shardRpcs, 1)}; workerd CPU ${fmt(cpuPerAction, 3)} ms per action (/proc, every thread)`,
			);
			console.log(`  SQLite rows per action (what Durable Object storage bills): ${rowsText}`);
			const perSnapshot = Object.fromEntries(
				Object.entries(received)
					.filter(([name, n]) => n > 0 && sqlRows[name])
					.map(([name, n]) => [name, { snapshots: n, written: sqlRows[name].written / n }]),
			);
			console.log(
				`  rows written per snapshot received: ${Object.entries(perSnapshot)
					.map(([name, r]) => `${name} ${fmt(r.written, 1)} (${fmt(r.snapshots)} snapshots)`)
					.join("; ")}`,
			);
			console.log(`  ${fmt((busy + idle) / 1000)} ms sampled, ${fmt(busy / 1000)} ms busy (not idle); ${file}`);
			console.log(
				`  ${"stage".padEnd(62)}${"share".padStart(8)}${"≈ ms/action".padStart(13)}  (share of the busy samples × workerd's CPU per action)`,
			);
			const rows = [...us.entries()].sort((a, b) => b[1] - a[1]);
			for (const [stage, t] of rows) {
				console.log(
					`  ${stage.slice(0, 60).padEnd(62)}${`${fmt((100 * t) / busy, 1)} %`.padStart(8)}${fmt((t / busy) * cpuPerAction, 4).padStart(13)}`,
				);
			}
			report.isolates[id] = {
				actions,
				actionsPerSecond: run.perSecond,
				cpuMsPerAction: cpuPerAction,
				meanBatch: run.shardRpcActions / run.shardRpcs,
				sqlRowsPerAction: Object.fromEntries(
					Object.entries(sqlRows).map(([name, r]) => [name, { read: r.read / actions, written: r.written / actions }]),
				),
				/** Rows a parent writes per snapshot it receives (its own pushes' confirmations included). */
				sqlRowsPerSnapshot: perSnapshot,
				sampledMs: (busy + idle) / 1000,
				busyMs: busy / 1000,
				stages: Object.fromEntries(
					rows.map(([stage, t]) => [stage, { share: t / busy, msPerAction: (t / busy) * cpuPerAction }]),
				),
			};
		}
		if (args.json) writeFileSync(args.json, `${JSON.stringify(report, null, "\t")}\n`);
	} finally {
		await service.stop();
	}
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
