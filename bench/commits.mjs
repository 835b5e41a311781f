#!/usr/bin/env node
// `npm run bench:commits`: what each path pays in durable commits, which its CPU time does not show.
//
// workerd runs SQLite on its main thread, where every isolate's JavaScript runs, and a commit
// ends in an fsync of the database's WAL: while it waits for the disk, the thread is not on the
// CPU (so /proc does not count it) and runs nothing else either. For /healthz, the naive counter
// and the actions in turn (the same service, 64 connections), it prints the answers a second,
// the main thread's CPU per answer, and the fsyncs per answer with the time the main thread spent
// in them, traced with `perf trace` (Debian's linux-perf: the kernel's syscall tracepoints, so the
// traced process is not stopped at its calls), and which databases they were for: the shards',
// aggregators' and CeremonyDO's own, each kind's `metadata.sqlite` (where the local runtime keeps
// alarms), the naive counter's. With TMPDIR=/dev/shm the service keeps its state on tmpfs, where
// an fsync costs nothing: the same phases with commits free.
// Options: --duration S (15), --warmup S (10), --shards N (8), --connections N (64).
import { spawn, spawnSync } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { measureHealthz, measureNaive, mintParticipants, runActions } from "./lib/load.mjs";
import { mainThreadCpuMs, startService } from "./lib/server.mjs";

const { values: args } = parseArgs({
	options: {
		duration: { type: "string", default: "15" },
		warmup: { type: "string", default: "10" },
		shards: { type: "string", default: "8" },
		connections: { type: "string", default: "64" },
	},
});
const duration = Number(args.duration);
const warmup = Number(args.warmup);
const connections = Number(args.connections);

if (spawnSync("perf", ["trace", "-e", "fsync", "--", "true"]).status !== 0) {
	console.error("bench:commits needs `perf trace` (Debian: apt-get install linux-perf) and tracepoints it may read");
	process.exit(2);
}

/** The kind of database a WAL file belongs to, from its path under the service's storage. */
function databaseOf(path) {
	const match = /\/do\/([^/]+)\/([^/]+)\.sqlite(?:-wal)?$/.exec(path);
	if (!match) return null;
	const [, namespace, file] = match;
	const kind = namespace.replace(/^(baizu-online|naive-counter)-/, "");
	return file === "metadata" ? `${kind} metadata (alarms)` : kind;
}

/** fd → database kind, for the files workerd has open now. */
function openDatabases(pid) {
	const byFd = new Map();
	for (const fd of readdirSync(`/proc/${pid}/fd`)) {
		try {
			const kind = databaseOf(readlinkSync(`/proc/${pid}/fd/${fd}`));
			if (kind) byFd.set(fd, kind);
		} catch {
			// closed meanwhile
		}
	}
	return byFd;
}

/** Runs `load` with workerd's fsyncs traced; returns the load's answers with the trace summed. */
async function traced(service, label, load) {
	const file = join(service.work, `fsyncs-${label}.txt`);
	const trace = spawn("perf", ["trace", "-e", "fsync,fdatasync", "-p", String(service.pid), "-o", file], {
		stdio: ["ignore", "ignore", "pipe"],
	});
	let errors = "";
	trace.stderr.on("data", (chunk) => {
		errors += chunk;
	});
	const exited = new Promise((resolve) => trace.once("exit", resolve));
	// perf has its tracepoints set up well within a second; a trace that failed has exited by then.
	await new Promise((resolve) => setTimeout(resolve, 1_000));
	if (trace.exitCode !== null) throw new Error(`perf trace exited (${trace.exitCode}): ${errors}`);
	const cpuBefore = mainThreadCpuMs(service.pid);
	const startedAt = performance.now();
	const answers = await load();
	const seconds = (performance.now() - startedAt) / 1000;
	const cpuMs = mainThreadCpuMs(service.pid) - cpuBefore;
	const databases = openDatabases(service.pid);
	trace.kill("SIGINT");
	await exited;
	let count = 0;
	let elsewhere = 0;
	let blockedMs = 0;
	const byDatabase = new Map();
	for (const line of readFileSync(file, "utf8").split("\n")) {
		// `  0.933 ( 0.175 ms): workerd/<tid> fsync(fd: 48)  = 0`; one traced thread prints no tid.
		const call = /\(\s*([\d.]+) ms\):\s*(?:\S+\/(\d+)\s+)?f(?:data)?sync\(fd: (\d+)/.exec(line);
		if (!call) continue;
		// The main thread's id is the process id; only its calls hold up the isolates.
		if (call[2] !== undefined && Number(call[2]) !== service.pid) {
			elsewhere++;
			continue;
		}
		count++;
		blockedMs += Number(call[1]);
		const kind = databases.get(call[3]) ?? "other";
		byDatabase.set(kind, (byDatabase.get(kind) ?? 0) + 1);
	}
	return { label, answers, seconds, cpuMs, count, elsewhere, blockedMs, byDatabase };
}

const fmt = (value, digits = 3) => value.toFixed(digits);

function report(r) {
	const per = (x) => x / r.answers;
	console.log(
		`${r.label.padEnd(8)} ${fmt(r.answers / r.seconds, 0).padStart(6)}/s  CPU ${fmt(per(r.cpuMs))} ms/answer (main thread on the CPU ${fmt(
			(r.cpuMs / (r.seconds * 1000)) * 100,
			0,
		)} %)  fsyncs ${fmt(per(r.count))}/answer, blocked ${fmt(per(r.blockedMs))} ms/answer (${fmt(
			r.count ? (r.blockedMs * 1000) / r.count : 0,
			0,
		)} µs each; ${fmt((r.blockedMs / (r.seconds * 1000)) * 100, 1)} % of the phase)`,
	);
	if (r.elsewhere) console.log(`${"".padEnd(10)}(and ${r.elsewhere} fsyncs on other threads, not counted above)`);
	const kinds = [...r.byDatabase].sort((a, b) => b[1] - a[1]);
	for (const [kind, n] of kinds)
		console.log(`${"".padEnd(10)}${fmt((n / r.answers) * 1000, 1).padStart(7)} per 1,000 answers: ${kind}`);
}

const service = await startService({ shards: Number(args.shards) });
try {
	const { url } = service;
	const year = (await (await fetch(`${url}/api/v1/ceremonies/current`)).json()).year;
	const perPhase = Math.ceil((duration * 2_500) / 4);
	const tokens = await mintParticipants(url, perPhase + Math.ceil((warmup * 2_500) / 4));
	console.log(
		`bench:commits: ${duration} s a phase after ${warmup} s of actions, ${connections} connections, ${service.shards} shards`,
	);
	await runActions({
		url,
		year,
		tokens: tokens.slice(perPhase),
		tag: "warm",
		duration: warmup,
		connections,
		watch: false,
	});
	const results = [
		await traced(service, "healthz", async () => (await measureHealthz(url, { connections, duration })).ok),
		await traced(
			service,
			"naive",
			async () => (await measureNaive(service.naiveUrl, { year, tokens, connections, duration })).ok,
		),
		await traced(service, "actions", async () => {
			const run = await runActions({
				url,
				year,
				tokens: tokens.slice(0, perPhase),
				tag: "commits",
				duration,
				connections,
				watch: false,
			});
			const refused = Object.entries(run.statuses).filter(([status]) => status !== "201");
			if (refused.length) throw new Error(`answers other than 201: ${JSON.stringify(Object.fromEntries(refused))}`);
			return run.acknowledgedInRun;
		}),
	];
	for (const r of results) report(r);
	for (const r of results) rmSync(join(service.work, `fsyncs-${r.label}.txt`), { force: true });
} finally {
	await service.stop();
}
