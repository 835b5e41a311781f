import type { Tally } from "../src/schemas/audit";
import type { CeremonyConfig } from "../src/schemas/ceremony";
import { ACTION_TYPES, zeroCounts } from "../src/schemas/common";
import type { CertificateLedger } from "./ceremony-certificates";
import type { CeremonyFigures } from "./ceremony-figures";
import type { AuditDifference, AuditReport, TreeComparison } from "./ceremony-protocol";
import { type AggregateTree, shardIdentities } from "./ceremony-tree";
import type { ShardDO } from "./shard";
import type { ShardAudit, ShardRecount } from "./shard-protocol";
import type { SnapshotMerge } from "./snapshot-merge";

const MAX_DIFFERENCES = 100;

/** Which figure a difference is of: a difference without its metric and values. */
type Where<D = AuditDifference> = D extends AuditDifference ? Omit<D, "metric" | "recount" | "tree"> : never;
const METRICS = ["participants", ...ACTION_TYPES] as const;

/** The whole ceremony recounted from its shards' logs: totals, and per region and per minute. */
interface Recount {
	totals: Tally;
	regions: Map<string, Record<(typeof METRICS)[number], number>>;
	minutes: Map<string, number>;
}

const minuteKey = (minute: number, type: string) => `${minute}\u0000${type}`;

function sumOf(shards: Array<{ audit: ShardAudit; recount: ShardRecount }>): Recount {
	const totals: Tally = { participants: 0, actions: zeroCounts(), blessingsPublished: 0 };
	const regions: Recount["regions"] = new Map();
	const minutes: Recount["minutes"] = new Map();
	for (const { audit, recount } of shards) {
		totals.participants += audit.recount.participants;
		totals.blessingsPublished += audit.recount.blessingsPublished;
		for (const type of ACTION_TYPES) totals.actions[type] += audit.recount.actions[type];
		for (const r of recount.regions) {
			const sum = regions.get(r.region) ?? { participants: 0, ...zeroCounts() };
			for (const metric of METRICS) sum[metric] += r[metric];
			regions.set(r.region, sum);
		}
		for (const m of recount.minutes) {
			const key = minuteKey(m.minute, m.type);
			minutes.set(key, (minutes.get(key) ?? 0) + m.n);
		}
	}
	return { totals, regions, minutes };
}

const tallyOf = (t: Tally) => ({
	participants: t.participants,
	actions: t.actions,
	blessingsPublished: t.blessingsPublished,
});
const sameTally = (a: Tally, b: Tally) => JSON.stringify(tallyOf(a)) === JSON.stringify(tallyOf(b));

/**
 * Recounts every shard's log, then compares the recount with what the tree holds BEFORE it pulls
 * anything (a lost snapshot shows here), and only then pulls every shard and compares again.
 */
export class CeremonyAuditor {
	constructor(
		private readonly merge: SnapshotMerge,
		private readonly figures: CeremonyFigures,
		private readonly certificates: CertificateLedger,
		private readonly tree: AggregateTree,
		private readonly shard: (year: number, index: number) => DurableObjectStub<ShardDO>,
	) {}

	async audit(config: CeremonyConfig): Promise<AuditReport> {
		const year = config.year;
		const shards = await Promise.all(
			shardIdentities(config).map(async (id) => {
				const outcome = await this.shard(year, id.shardIndex).audit(id);
				if (outcome.kind === "wrong-shard") throw new Error(outcome.detail);
				return { audit: outcome.audit, recount: outcome.recount };
			}),
		);
		const recount = sumOf(shards);
		const held = this.compare(recount);
		await this.tree.gather(config, "refresh");
		const pulled = this.compare(recount);
		const totals = tallyOf(this.figures.figures());
		return {
			match: shards.every((s) => s.audit.match) && pulled.match && sameTally(recount.totals, totals),
			recount: recount.totals,
			held,
			pulled,
			totals,
			certificatesLeased: this.certificates.leased,
			shards: shards.map((s) => s.audit),
		};
	}

	/** The recount against the tree's merged snapshots: totals, every region, every minute bucket. */
	private compare(recount: Recount): TreeComparison {
		const differences: AuditDifference[] = [];
		const differ = (where: Where, metric: string, a: number, b: number) => {
			if (a !== b) differences.push({ ...where, metric, recount: a, tree: b });
		};
		const total: Where = { scope: "total" };
		const tally = this.merge.tally();
		differ(total, "participants", recount.totals.participants, tally.participants);
		for (const type of ACTION_TYPES) differ(total, type, recount.totals.actions[type], tally.actions[type]);
		differ(total, "blessingsPublished", recount.totals.blessingsPublished, tally.blessingsPublished);

		const heldRegions = new Map(this.merge.regions().map((r) => [r.region, r]));
		for (const region of new Set([...recount.regions.keys(), ...heldRegions.keys()])) {
			const counted = recount.regions.get(region);
			const held = heldRegions.get(region);
			for (const metric of METRICS)
				differ({ scope: "region", region }, metric, counted?.[metric] ?? 0, held?.[metric] ?? 0);
		}

		const heldMinutes = new Map(
			this.merge.series(60_000, 0, Number.MAX_SAFE_INTEGER).map((m) => [minuteKey(m.minute, m.type), m.n]),
		);
		for (const key of new Set([...recount.minutes.keys(), ...heldMinutes.keys()])) {
			const [minute, type] = key.split("\u0000") as [string, string];
			const where: Where = { scope: "minute", minute: Number(minute) };
			differ(where, type, recount.minutes.get(key) ?? 0, heldMinutes.get(key) ?? 0);
		}
		return { match: differences.length === 0, differences: differences.slice(0, MAX_DIFFERENCES) };
	}
}
