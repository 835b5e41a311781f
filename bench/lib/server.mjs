// Starts the service on the local runtime for benchmarks: workerd through Miniflare directly (no
// `wrangler dev` proxy), with the Worker bundled by `wrangler deploy --dry-run`, both SQLite
// Durable Object classes, the bindings of wrangler.toml for development, and Durable Object state
// persisted in a temporary directory. A second Worker in the same workerd serves the naive
// baseline (bench/naive-counter) on the host `naive.bench`.
//
// Every request to Miniflare's URL passes through its entry worker, an isolate of its own in the
// same workerd that gives the request its `cf` object and routes it by host. A deployed Worker has
// no such hop. With `direct`, each Worker also gets a socket of its own
// (`unsafeDirectSockets`), and the service's URLs are those: requests reach the Worker, and the
// naive counter's, without the entry worker.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Log, LogLevel, Miniflare } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const COMMITTEE_TOKEN = "bench-committee-token";
export const NAIVE_HOST = "naive.bench";

/**
 * The Worker's Miniflare options as wrangler derives them from wrangler.toml (Durable Objects,
 * rate limits, compatibility settings and vars), without static assets: the benchmarks call the
 * Worker's own routes.
 */
export function workerOptionsFromConfig() {
	const { workerOptions } = unstable_getMiniflareWorkerOptions(join(root, "wrangler.toml"));
	const { assets: _assets, ...rest } = workerOptions;
	return rest;
}

/** Bundles the Worker as `wrangler deploy` would, and puts the counting entry module beside it. */
export function build(dir) {
	execFileSync(
		process.execPath,
		[join(root, "node_modules/wrangler/bin/wrangler.js"), "deploy", "--dry-run", "--outdir", dir],
		{ cwd: root, stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, WRANGLER_SEND_METRICS: "false" } },
	);
	copyFileSync(join(root, "bench/harness-entry.mjs"), join(dir, "entry.mjs"));
	return dir;
}

const directSocket = (direct) => (direct ? { unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }] } : {});

function options({
	buildDir,
	persistDir,
	port,
	shards,
	batchMs,
	storageFree,
	inspectorPort,
	profileSql,
	holdWords = "",
	direct = false,
}) {
	const fromConfig = workerOptionsFromConfig();
	const { compatibilityDate } = fromConfig;
	const bindings = {
		...fromConfig.bindings,
		ENVIRONMENT: "development",
		DEFAULT_SHARD_COUNT: String(shards),
		BLESSING_HOLD_WORDS: holdWords,
		COMMITTEE_TOKENS: `bench:${COMMITTEE_TOKEN}`,
		PARTICIPANT_TOKEN_SECRET: "bench-participant-token-secret",
	};
	if (batchMs !== undefined) bindings.EDGE_BATCH_MS = String(batchMs);
	// Read only by bench/harness-entry.mjs: shards answer without touching storage (the ceiling).
	if (storageFree) bindings.BENCH_STORAGE_FREE = "1";
	// Read only by bench/harness-entry.mjs: each SQL statement runs in a function of its kind (profiles).
	if (profileSql) bindings.BENCH_PROFILE_SQL = "1";
	return {
		host: "127.0.0.1",
		port,
		...(inspectorPort ? { inspectorPort } : {}),
		// The request's `cf` object; without this Miniflare would try to download one.
		cf: { country: "CN", colo: "HKG", city: "Zhengzhou" },
		durableObjectsPersist: join(persistDir, "do"),
		cachePersist: false,
		log: new Log(LogLevel.WARN),
		workers: [
			{
				...fromConfig,
				name: "baizu-online",
				modulesRoot: buildDir,
				modules: [
					{ type: "ESModule", path: join(buildDir, "entry.mjs") },
					{ type: "ESModule", path: join(buildDir, "index.js") },
				],
				modulesRules: undefined,
				bindings,
				...directSocket(direct),
			},
			{
				name: "naive-counter",
				routes: [`${NAIVE_HOST}/*`],
				modules: true,
				scriptPath: join(root, "bench/naive-counter/index.mjs"),
				compatibilityDate,
				durableObjects: { COUNTER: { className: "Counter", useSQLite: true } },
				...directSocket(direct),
			},
		],
	};
}

/** The workerd processes Miniflare started (children of this process). */
export function workerdPids() {
	const pids = [];
	for (const entry of readdirSync("/proc")) {
		if (!/^\d+$/.test(entry)) continue;
		try {
			const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
			const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
			const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
			if (Number(fields[1]) === process.pid && comm.startsWith("workerd")) pids.push(Number(entry));
		} catch {
			// the process went away
		}
	}
	return pids;
}

/**
 * The workerd this service's Miniflare started: the child that was not there before it started
 * (another service in the same process, as `npm run bench:ab` runs two, has its own).
 */
export const newWorkerd = (before) => workerdPids().find((pid) => !before.has(pid)) ?? null;

const CLOCK_TICKS_PER_S = 100;

/** utime + stime in clock ticks from a stat(5) file (a process's or one thread's); null once it is gone. */
function ticksIn(statFile) {
	try {
		const stat = readFileSync(statFile, "utf8");
		const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
		// Fields 14 and 15 of stat(5), counted from the state field (3).
		return Number(fields[11]) + Number(fields[12]);
	} catch {
		return null;
	}
}

/** utime + stime of one process (all its threads), in clock ticks; 0 once it is gone. */
const ticksOf = (pid) => ticksIn(`/proc/${pid}/stat`) ?? 0;

/** The pids of `pid`'s descendants (workerd may run helpers of its own). */
function descendantsOf(pid) {
	const children = new Map();
	for (const entry of readdirSync("/proc")) {
		if (!/^\d+$/.test(entry)) continue;
		try {
			const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
			const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
			children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
		} catch {
			// the process went away
		}
	}
	const out = [];
	const stack = [...(children.get(pid) ?? [])];
	while (stack.length) {
		const next = stack.pop();
		out.push(next);
		stack.push(...(children.get(next) ?? []));
	}
	return out;
}

/**
 * CPU time (user + system) of workerd's main thread, in milliseconds (resolution 10 ms), or null
 * where /proc is not there. Every isolate's JavaScript runs on this one thread, so it is what
 * saturates first.
 */
export function mainThreadCpuMs(pid) {
	const ticks = pid ? ticksIn(`/proc/${pid}/task/${pid}/stat`) : null;
	return ticks === null ? null : (ticks * 1000) / CLOCK_TICKS_PER_S;
}

/**
 * CPU time (user + system) that workerd and its descendants have used since they started, in
 * milliseconds (resolution 10 ms), or null where /proc is not there.
 */
export function cpuMsOf(pid) {
	if (!pid) return null;
	const ticks = [pid, ...descendantsOf(pid)].reduce((sum, p) => sum + ticksOf(p), 0);
	return (ticks * 1000) / CLOCK_TICKS_PER_S;
}

/** Resident memory of workerd in bytes (VmRSS), or null where /proc is not there. */
export function memoryOf(pid) {
	if (!pid) return null;
	try {
		const status = readFileSync(`/proc/${pid}/status`, "utf8");
		const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
		return kb ? Number(kb) * 1024 : null;
	} catch {
		return null;
	}
}

/**
 * Starts the service. `batchMs` sets EDGE_BATCH_MS (undefined: the code's default); `direct`
 * serves the Worker and the naive counter on sockets of their own, without Miniflare's entry
 * worker. Returns its URL, the naive counter's, and a handle to restart it with another batch
 * window or stop it.
 */
export async function startService({
	shards = 8,
	batchMs,
	port = 0,
	keep = false,
	inspectorPort,
	profileSql = false,
	holdWords,
	direct = false,
} = {}) {
	const work = mkdtempSync(join(tmpdir(), "baizu-bench-"));
	const buildDir = build(join(work, "build"));
	const settings = { buildDir, persistDir: work, port, shards, batchMs, inspectorPort, profileSql, holdWords, direct };
	const before = new Set(workerdPids());
	const mf = new Miniflare(options(settings));
	/** The entry worker's URL (the port a restart keeps), and the URLs the load is sent to. */
	const locate = async () => {
		const entry = (await mf.ready).origin;
		if (!direct) return { entry, url: entry, naiveUrl: entry };
		const [url, naiveUrl] = await Promise.all(
			["baizu-online", "naive-counter"].map(async (name) => (await mf.unsafeGetDirectURL(name)).origin),
		);
		return { entry, url, naiveUrl };
	};
	const service = {
		...(await locate()),
		direct,
		work,
		buildDir,
		shards,
		pid: newWorkerd(before),
		memory: () => memoryOf(service.pid),
		cpuMs: () => cpuMsOf(service.pid),
		/**
		 * Restarts workerd with another EDGE_BATCH_MS (undefined: the default), or with shards that
		 * skip storage; the Durable Object state stays.
		 */
		async restart({ batchMs, storageFree = false }) {
			settings.batchMs = batchMs;
			settings.storageFree = storageFree;
			settings.port = Number(new URL(service.entry).port);
			// Every workerd but this one's, which the restart replaces.
			const others = new Set(workerdPids().filter((pid) => pid !== service.pid));
			await mf.setOptions(options(settings));
			Object.assign(service, await locate());
			service.pid = newWorkerd(others);
		},
		async stop() {
			await mf.dispose();
			if (!keep) rmSync(work, { recursive: true, force: true });
		},
	};
	return service;
}
