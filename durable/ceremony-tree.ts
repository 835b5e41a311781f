import { aggregatorCount } from "../src/domain/shard-routing";
import type { CeremonyConfig } from "../src/schemas/ceremony";
import type { AggregatorDO } from "./aggregator";
import type { AggregatorApplyOutcome, AggregatorIdentity, AggregatorSnapshotOutcome } from "./aggregator-protocol";
import type { BlessingWall } from "./ceremony-wall";
import { ChildWatch } from "./push-schedule";
import type { ShardIdentity } from "./shard-protocol";
import type { SnapshotMerge } from "./snapshot-merge";
import type { Snapshot } from "./snapshot-protocol";

export const shardIdentities = (config: CeremonyConfig): ShardIdentity[] =>
	Array.from({ length: config.shardCount }, (_, shardIndex) => ({
		year: config.year,
		shardCount: config.shardCount,
		shardIndex,
	}));

export const aggregatorIdentities = (config: CeremonyConfig): AggregatorIdentity[] =>
	Array.from({ length: aggregatorCount(config.shardCount) }, (_, aggregatorIndex) => ({
		year: config.year,
		shardCount: config.shardCount,
		aggregatorIndex,
	}));

/**
 * The top of the aggregation tree: the latest snapshot of every aggregator, and the blessings they
 * carry to the wall and the queue. While snapshots arrive, the alarm pulls an aggregator gone quiet.
 */
export class AggregateTree {
	private readonly watch = new ChildWatch();

	constructor(
		private readonly storage: DurableObjectStorage,
		private readonly merge: SnapshotMerge,
		private readonly wall: BlessingWall,
		private readonly aggregator: (year: number, index: number) => DurableObjectStub<AggregatorDO>,
		private readonly changed: () => void,
	) {}

	/**
	 * Applies an aggregator's snapshot if it is newer than the one held; an old or repeated one
	 * changes nothing. The blessings it carries reach the wall and the queue either way.
	 */
	async apply(
		config: CeremonyConfig | null,
		identity: AggregatorIdentity,
		snapshot: Snapshot,
	): Promise<AggregatorApplyOutcome> {
		if (!config || config.year !== identity.year || config.shardCount !== identity.shardCount) {
			return { kind: "wrong-aggregator", detail: "this ceremony has another year or shard count" };
		}
		if (snapshot.child !== identity.aggregatorIndex || snapshot.child >= aggregatorCount(config.shardCount)) {
			return { kind: "wrong-aggregator", detail: `no aggregator ${snapshot.child} in this ceremony` };
		}
		this.watch.received();
		const outcome = this.storage.transactionSync(() => {
			this.wall.add(snapshot.blessings);
			return this.merge.apply(snapshot);
		});
		this.changed();
		await this.ensureWatching();
		return outcome;
	}

	private async ensureWatching(): Promise<void> {
		const watchAt = this.watch.watchAt();
		if (watchAt !== null && (await this.storage.getAlarm()) === null) await this.storage.setAlarm(watchAt);
	}

	/** The alarm: pulls any aggregator that has gone quiet, and looks again while snapshots arrive. */
	async watchChildren(config: CeremonyConfig | null): Promise<void> {
		try {
			if (this.watch.due && config) await this.pullQuiet(config);
		} catch (error) {
			console.error("pulling quiet aggregators failed", error);
		}
		const watchAt = this.watch.watchAt();
		if (watchAt !== null) await this.storage.setAlarm(watchAt);
	}

	private async pullQuiet(config: CeremonyConfig): Promise<void> {
		const held = new Map(this.merge.held().map((c) => [c.child, c]));
		const quiet = this.watch.quiet(
			aggregatorIdentities(config).map((id) => id.aggregatorIndex),
			(child) => held.get(child)?.receivedAt ?? 0,
		);
		await Promise.all(
			quiet.map(async (index) => {
				const id = { year: config.year, shardCount: config.shardCount, aggregatorIndex: index };
				const outcome = await this.aggregator(config.year, index).pullSnapshot(id, held.get(index)?.version ?? 0);
				if (outcome.kind === "snapshot") await this.apply(config, id, outcome.snapshot);
			}),
		);
	}

	/** Asks every aggregator for its sum (`refresh`: pulled from its shards; `seal`: their final ones) and applies it. */
	async gather(config: CeremonyConfig, how: "refresh" | "seal"): Promise<void> {
		const outcomes = await Promise.all(
			aggregatorIdentities(config).map(async (id) => {
				const stub = this.aggregator(config.year, id.aggregatorIndex);
				const outcome: AggregatorSnapshotOutcome = how === "seal" ? await stub.seal(id) : await stub.refresh(id);
				return { id, outcome };
			}),
		);
		for (const { id, outcome } of outcomes) {
			if (outcome.kind !== "snapshot") throw new Error(outcome.detail);
			await this.apply(config, id, outcome.snapshot);
		}
	}
}
