// The benchmark's entry module: the Worker bundle as built by `wrangler deploy --dry-run`, with
// its Durable Object classes subclassed only to count the requests they take and report each
// shard's SQLite size. Copied next to the bundle (index.js) at build time; never deployed.
import worker, { CeremonyDO as BaseCeremonyDO, ShardDO as BaseShardDO } from "./index.js";

// In workerd on one machine the Durable Objects run in the Worker's isolate, so one module-level
// tally sees every call.
const tally = {
	performCalls: 0,
	performActions: 0,
	largestBatch: 0,
	shardOther: 0,
	ceremonyCalls: 0,
	/** Calls by class and method, e.g. "CeremonyDO.getConfig". */
	byMethod: {},
};
const countMethod = (name) => {
	tally.byMethod[name] = (tally.byMethod[name] ?? 0) + 1;
};
const BENCH_PREFIX = "/__bench/";

/** A subclass whose entry points (RPC methods, alarm, fetch) count their calls; nothing else changes. */
function counted(Base, entryPoints, onCall) {
	class Counted extends Base {}
	for (const name of entryPoints) {
		const descriptor = Object.getOwnPropertyDescriptor(Base.prototype, name);
		if (typeof descriptor?.value !== "function") continue;
		Object.defineProperty(Counted.prototype, name, {
			...descriptor,
			value(...args) {
				onCall(name, args);
				return descriptor.value.apply(this, args);
			},
		});
	}
	return Counted;
}

const SHARD_ENTRY = new Set(["perform", "profile", "updateProfile", "alarm", "seal", "pullSnapshot", "audit"]);

function countPerform(size) {
	tally.performCalls++;
	tally.performActions += size;
	tally.largestBatch = Math.max(tally.largestBatch, size);
}

const CountedShard = counted(BaseShardDO, SHARD_ENTRY, (name, args) => {
	countMethod(`ShardDO.${name}`);
	if (name === "perform") countPerform(args[1]?.length ?? 0);
	else tally.shardOther++;
});

export class ShardDO extends CountedShard {
	/**
	 * With BENCH_STORAGE_FREE, a shard answers every action as accepted without touching storage:
	 * the ceiling of the action path (everything but the shard's storage work). Benchmarks only.
	 */
	perform(identity, requests) {
		if (this.env.BENCH_STORAGE_FREE !== "1") return super.perform(identity, requests);
		countMethod("ShardDO.perform");
		countPerform(requests.length);
		this.fakeSeq = this.fakeSeq ?? 0;
		return requests.map((r) => ({ kind: "accepted", seq: ++this.fakeSeq, type: r.type, certificate: this.fakeSeq }));
	}

	/** The shard's SQLite database size in bytes and its row counts. */
	benchInfo() {
		const sql = this.ctx.storage.sql;
		const rows = (table) => sql.exec(`SELECT count(*) AS n FROM ${table}`).one().n;
		return { bytes: sql.databaseSize, participants: rows("participants"), actions: rows("actions") };
	}
}

const CEREMONY_ENTRY = new Set([
	"getConfig",
	"configure",
	"leaseCertificates",
	"applySnapshot",
	"alarm",
	"pullStaleShards",
	"stats",
	"regions",
	"timeseries",
	"blessings",
	"report",
	"moderationQueue",
	"moderate",
	"eraseParticipant",
	"fetch",
	"broadcast",
	"audit",
	"close",
]);
export const CeremonyDO = counted(BaseCeremonyDO, CEREMONY_ENTRY, (name) => {
	countMethod(`CeremonyDO.${name}`);
	tally.ceremonyCalls++;
});

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
	const identity = { year: CALIBRATION_YEAR, shardCount: 64, shardIndex: shard };
	const stub = env.SHARD.getByName(`${CALIBRATION_YEAR}/shard/${shard}`);
	const tag = crypto.randomUUID().slice(0, 8);
	const batches = Array.from({ length: reps }, (_, r) =>
		Array.from({ length: n }, (_, k) => ({
			participantId: `cal-${tag}-${r}-${k}`,
			idempotencyKey: `cal-${tag}-${r}-${k}`,
			type: TYPES[k % TYPES.length],
			fingerprint: "calibration",
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
	async fetch(request, env, ctx) {
		const url = new URL(request.url);
		if (!url.pathname.startsWith(BENCH_PREFIX)) return worker.fetch(request, env, ctx);
		if (url.pathname === `${BENCH_PREFIX}tally`) return Response.json(tally);
		if (url.pathname === `${BENCH_PREFIX}shards`) {
			const year = Number(url.searchParams.get("year"));
			const count = Number(url.searchParams.get("count"));
			const shards = await Promise.all(
				Array.from({ length: count }, (_, i) => env.SHARD.getByName(`${year}/shard/${i}`).benchInfo()),
			);
			return Response.json(shards);
		}
		if (url.pathname === `${BENCH_PREFIX}calibrate`) return calibrate(env, url.searchParams);
		return new Response("no such bench route", { status: 404 });
	},
};
