// The benchmark's entry module: the Worker bundle as built by `wrangler deploy --dry-run`, with
// every Durable Object call counted where it crosses the boundary (the stubs the Worker and the
// objects themselves get from their env), and shards that report their SQLite size. Copied next
// to the bundle (index.js) at build time; never deployed.
import worker, {
	AggregatorDO as BaseAggregatorDO,
	CeremonyDO as BaseCeremonyDO,
	ShardDO as BaseShardDO,
} from "./index.js";

// In workerd on one machine the Durable Objects run in the Worker's isolate, so one module-level
// tally sees every call.
const tally = {
	performCalls: 0,
	performActions: 0,
	largestBatch: 0,
	shardOther: 0,
	ceremonyCalls: 0,
	aggregatorCalls: 0,
	/** Calls by class and method, e.g. "CeremonyDO.getConfig"; alarms as "ShardDO.alarm". */
	byMethod: {},
	/** With BENCH_PROFILE_SQL: SQLite rows read and written, by class (what Durable Object storage bills). */
	sqlRows: {},
};
const countMethod = (name) => {
	tally.byMethod[name] = (tally.byMethod[name] ?? 0) + 1;
};
const BENCH_PREFIX = "/__bench/";

function countPerform(size) {
	tally.performCalls++;
	tally.performActions += size;
	tally.largestBatch = Math.max(tally.largestBatch, size);
}

const CLASS_OF = { SHARD: "ShardDO", AGGREGATOR: "AggregatorDO", CEREMONY: "CeremonyDO" };

function countCall(className, method, args) {
	countMethod(`${className}.${method}`);
	if (className === "ShardDO") {
		if (method === "perform") countPerform(args[1]?.length ?? 0);
		else tally.shardOther++;
	} else if (className === "CeremonyDO") tally.ceremonyCalls++;
	else tally.aggregatorCalls++;
}

/** A stub whose every method call is counted before it goes out. */
function countingStub(stub, className) {
	return new Proxy(stub, {
		get(target, prop) {
			const value = target[prop];
			if (typeof prop !== "string" || typeof value !== "function") return value;
			return (...args) => {
				countCall(className, prop, args);
				return target[prop](...args);
			};
		},
	});
}

/** The namespace, handing out counting stubs. */
function countingNamespace(namespace, className) {
	return new Proxy(namespace, {
		get(target, prop) {
			if (prop === "getByName") return (name) => countingStub(target.getByName(name), className);
			if (prop === "get") return (id) => countingStub(target.get(id), className);
			const value = target[prop];
			return typeof value === "function" ? value.bind(target) : value;
		},
	});
}

const countingEnvs = new WeakMap();
function countingEnv(env) {
	let wrapped = countingEnvs.get(env);
	if (!wrapped) {
		wrapped = { ...env };
		for (const [binding, className] of Object.entries(CLASS_OF)) {
			wrapped[binding] = countingNamespace(env[binding], className);
		}
		countingEnvs.set(env, wrapped);
	}
	return wrapped;
}

// With BENCH_PROFILE_SQL (`npm run bench:profile` only), every parameterised SQL statement runs
// inside a function of its own kind below, so a V8 CPU profile can tell the statements apart:
// the profile's tree is keyed by function, and every statement leaves the code through one
// tagged template (durable/sql.ts). Each runner steps the whole cursor, where SQLite does the work.
const rowsOf = (cursor, className) => {
	const rows = cursor.toArray();
	tally.sqlRows[className] ??= { read: 0, written: 0 };
	tally.sqlRows[className].read += cursor.rowsRead;
	tally.sqlRows[className].written += cursor.rowsWritten;
	return {
		toArray: () => rows,
		one: () => {
			if (rows.length !== 1) throw new Error(`expected one row, got ${rows.length}`);
			return rows[0];
		},
		[Symbol.iterator]: () => rows[Symbol.iterator](),
		get rowsRead() {
			return cursor.rowsRead;
		},
		get rowsWritten() {
			return cursor.rowsWritten;
		},
		get columnNames() {
			return cursor.columnNames;
		},
	};
};
const SQL_KINDS = [
	[
		"idempotency lookup",
		/FROM actions\s+WHERE participant_id = \? AND idempotency_key = \?/i,
		function sqlIdempotencyLookup(exec, q, v) {
			return rowsOf(exec(q, ...v), this);
		},
	],
	[
		"participant read",
		/FROM participants\s+WHERE id (=|IN)/i,
		function sqlParticipantRead(exec, q, v) {
			return rowsOf(exec(q, ...v), this);
		},
	],
	[
		"participant upsert",
		/INSERT INTO participants/i,
		function sqlParticipantUpsert(exec, q, v) {
			return rowsOf(exec(q, ...v), this);
		},
	],
	[
		"action insert",
		/INSERT INTO actions/i,
		function sqlActionInsert(exec, q, v) {
			return rowsOf(exec(q, ...v), this);
		},
	],
	[
		"blessing insert",
		/INSERT INTO blessings/i,
		function sqlBlessingInsert(exec, q, v) {
			return rowsOf(exec(q, ...v), this);
		},
	],
	[
		"shard state",
		/shard_state|shard_config/i,
		function sqlShardState(exec, q, v) {
			return rowsOf(exec(q, ...v), this);
		},
	],
	[
		"counters",
		/^\s*(WITH folded|(INSERT|UPDATE)[^;]*\b(totals|region_counts|minute_counts)\b)/i,
		function sqlCounters(exec, q, v) {
			return rowsOf(exec(q, ...v), this);
		},
	],
	[
		"lease",
		/lease/i,
		function sqlLease(exec, q, v) {
			return rowsOf(exec(q, ...v), this);
		},
	],
	[
		"snapshot reads",
		/^\s*SELECT/i,
		function sqlSnapshotRead(exec, q, v) {
			return rowsOf(exec(q, ...v), this);
		},
	],
	[
		"other",
		/[\s\S]/,
		function sqlOther(exec, q, v) {
			return rowsOf(exec(q, ...v), this);
		},
	],
];
const kindOfQuery = new Map();

function labelStatements(storage, className) {
	const sql = storage.sql;
	const exec = sql.exec.bind(sql);
	sql.exec = (query, ...values) => {
		// Scripts (the schema) run as they are.
		if (query.includes(";")) return exec(query, ...values);
		let runner = kindOfQuery.get(query);
		if (!runner) {
			runner = SQL_KINDS.find(([, pattern]) => pattern.test(query))[2];
			kindOfQuery.set(query, runner);
		}
		return runner.call(className, exec, query, values);
	};
}

/** The class with an env that counts its outgoing calls, and its alarms counted. */
function counted(Base, className) {
	return class extends Base {
		constructor(ctx, env) {
			if (env.BENCH_PROFILE_SQL === "1") labelStatements(ctx.storage, className);
			super(ctx, countingEnv(env));
		}

		alarm(...args) {
			countMethod(`${className}.alarm`);
			return super.alarm(...args);
		}
	};
}

const CountedShard = counted(BaseShardDO, "ShardDO");

export class ShardDO extends CountedShard {
	/**
	 * With BENCH_STORAGE_FREE, a shard takes every action without touching its storage: no log, no
	 * participant row, no counter (the ceiling of the action path). Everything else still runs:
	 * the identity check, certificate numbers from blocks leased from the CeremonyDO (one number
	 * per participant), and the request for a snapshot push after every batch, whose alarm sends a
	 * snapshot through the tree (see pushSnapshot). Benchmarks only.
	 */
	async perform(identity, requests) {
		if (this.env.BENCH_STORAGE_FREE !== "1") return super.perform(identity, requests);
		const wrong = this.wrong(identity);
		if (wrong) return requests.map(() => wrong);
		// A lease of the shard's own kind over a block row kept in memory: it starts empty and leases
		// as a starting shard does, with the same size rule, and records nothing.
		this.free ??= {
			seq: 0,
			certificates: new Map(),
			row: { lease_next: 0, lease_end: 0, lease_size: 0, lease_taken_at: 0 },
		};
		const free = this.free;
		free.lease ??= new this.lease.constructor(
			{
				read: () => free.row,
				leased: (start, end, size, takenAt) =>
					Object.assign(free.row, { lease_next: start, lease_end: end, lease_size: size, lease_taken_at: takenAt }),
			},
			(size) => this.requestLease(size),
		);
		await free.lease.ensure(
			new Set(requests.map((r) => r.participantId).filter((id) => !free.certificates.has(id))).size,
		);
		// From here to the row's update nothing awaits, so no other batch takes from the block.
		free.lease.begin(free.row.lease_next, free.row.lease_end);
		const outcomes = requests.map((request) => {
			let certificate = free.certificates.get(request.participantId);
			if (certificate === undefined) {
				certificate = free.lease.take();
				free.certificates.set(request.participantId, certificate);
			}
			return { kind: "accepted", seq: ++free.seq, type: request.type, certificate };
		});
		free.row.lease_next = free.lease.used;
		await this.pushes.request();
		return outcomes;
	}

	/**
	 * With BENCH_STORAGE_FREE, the snapshot a shard pushes costs the tree what one under load does
	 * and changes no count: a new version, under which every region and the newest minute's
	 * buckets count as changed (the rows a fold under load rewrites), so the snapshot carries them
	 * with their stored values and the aggregator and the CeremonyDO apply it and push it on as
	 * they would a fresh one. The totals stay exact.
	 */
	async pushSnapshot() {
		if (this.env.BENCH_STORAGE_FREE === "1") {
			const sql = this.ctx.storage.sql;
			this.ctx.storage.transactionSync(() => {
				this.state.bumpVersion();
				const { version } = this.state.read();
				sql.exec("UPDATE region_counts SET version = ?", version);
				sql.exec(
					"UPDATE minute_counts SET version = ? WHERE minute = (SELECT max(minute) FROM minute_counts)",
					version,
				);
			});
		}
		return super.pushSnapshot();
	}

	/** The shard's SQLite database size in bytes and its row counts. */
	benchInfo() {
		const sql = this.ctx.storage.sql;
		const rows = (table) => sql.exec(`SELECT count(*) AS n FROM ${table}`).one().n;
		return { bytes: sql.databaseSize, participants: rows("participants"), actions: rows("actions") };
	}
}

export const CeremonyDO = counted(BaseCeremonyDO, "CeremonyDO");
export const AggregatorDO = counted(BaseAggregatorDO, "AggregatorDO");

const CALIBRATION_YEAR = 2099;
const TYPES = ["flower", "incense", "bow", "blessing"];
const REGIONS = ["CN", "TW", "HK", "MY", "SG", "US", "CA", "AU"];

/**
 * The cost of one batch at the shard: `reps` perform RPCs of `n` new actions each, one after
 * another, into a shard of a ceremony of its own (so the measured ceremony is not touched).
 * Returns the mean round trip in ms (the clock moves on I/O, so the total over reps is exact).
 */
async function calibrate(env, params) {
	const n = Number(params.get("n") ?? 1);
	const reps = Number(params.get("reps") ?? 50);
	const shard = Number(params.get("shard") ?? 0);
	const identity = { year: CALIBRATION_YEAR, shardCount: 64, shardIndex: shard, configVersion: 1 };
	// The calibration's ceremony is configured like any other, so its shards' snapshots are taken
	// up the tree instead of refused (and retried with backoff) for want of a configuration.
	await env.CEREMONY.getByName(`${CALIBRATION_YEAR}`).getConfig(CALIBRATION_YEAR, { shardCount: 64, openNow: true });
	const stub = env.SHARD.getByName(`${CALIBRATION_YEAR}/shard/${shard}`);
	const tag = crypto.randomUUID().slice(0, 8);
	const batches = Array.from({ length: reps }, (_, r) =>
		Array.from({ length: n }, (_, k) => ({
			participantId: `cal-${tag}-${r}-${k}`,
			idempotencyKey: `cal-${tag}-${r}-${k}`,
			type: TYPES[k % TYPES.length],
			body: "calibration",
			blessing: null,
			limit: 1,
			country: REGIONS[k % REGIONS.length],
			replayOnly: false,
		})),
	);
	await stub.perform(
		identity,
		batches[0].slice(0, 1).map((a) => ({ ...a, participantId: `${a.participantId}-warm` })),
	);
	const startedAt = Date.now();
	for (const requests of batches) await stub.perform(identity, requests);
	return Response.json({ n, reps, msPerBatch: (Date.now() - startedAt) / reps });
}

export default {
	async fetch(request, rawEnv, ctx) {
		// The service's own requests pass with a string test: the naive counter's Worker parses no
		// URL either, and a URL object is one more native object per request for the collector.
		const href = request.url;
		if (!href.startsWith(BENCH_PREFIX, href.indexOf("/", href.indexOf("//") + 2))) {
			return worker.fetch(request, countingEnv(rawEnv), ctx);
		}
		const url = new URL(href);
		if (url.pathname === `${BENCH_PREFIX}tally`) return Response.json(tally);
		// Whether this runtime runs a promise's continuation in the request that made it (src/shard-batcher.ts).
		if (url.pathname === `${BENCH_PREFIX}runtime`) {
			return Response.json({
				handleCrossRequestPromiseResolution:
					globalThis.Cloudflare?.compatibilityFlags?.handle_cross_request_promise_resolution === true,
			});
		}
		if (url.pathname === `${BENCH_PREFIX}shards`) {
			const year = Number(url.searchParams.get("year"));
			const count = Number(url.searchParams.get("count"));
			const shards = await Promise.all(
				Array.from({ length: count }, (_, i) => rawEnv.SHARD.getByName(`${year}/shard/${i}`).benchInfo()),
			);
			return Response.json(shards);
		}
		if (url.pathname === `${BENCH_PREFIX}calibrate`) return calibrate(rawEnv, url.searchParams);
		return new Response("no such bench route", { status: 404 });
	},
};
