import { shardsOfAggregator } from "../src/domain/shard-routing";
import type { AggregatorIdentity } from "./aggregator-protocol";
import type { ChildWatch } from "./push-schedule";
import type { ShardDO } from "./shard";
import type { ShardIdentity, ShardSnapshotOutcome } from "./shard-protocol";
import type { SnapshotMerge } from "./snapshot-merge";
import type { Snapshot } from "./snapshot-protocol";
import type { WallOutbox } from "./wall-outbox";

/** A shard that refuses the aggregator's identity is a fault of the deployment, not of the counts. */
function snapshotOf(outcome: ShardSnapshotOutcome): Snapshot {
	if (outcome.kind === "wrong-shard") throw new Error(outcome.detail);
	return outcome.snapshot;
}

/**
 * An aggregator's group of shards: their snapshots merged, with the blessings they carry kept in
 * the outbox, and the sum as the aggregator's own snapshot.
 */
export class ShardGroup {
	constructor(
		private readonly storage: DurableObjectStorage,
		private readonly merge: SnapshotMerge,
		private readonly outbox: WallOutbox,
		private readonly watch: ChildWatch,
		private readonly shard: (id: ShardIdentity) => DurableObjectStub<ShardDO>,
	) {}

	static identities(own: AggregatorIdentity): ShardIdentity[] {
		return shardsOfAggregator(own.aggregatorIndex, own.shardCount).map((shardIndex) => ({
			year: own.year,
			shardCount: own.shardCount,
			shardIndex,
		}));
	}

	/** Applies a shard's snapshot and keeps its blessings; an old or repeated one changes nothing. */
	apply(snapshot: Snapshot) {
		return this.storage.transactionSync(() => this.take(snapshot));
	}

	private take(snapshot: Snapshot) {
		this.outbox.add(snapshot.blessings);
		return this.merge.apply(snapshot);
	}

	/** Seals, or pulls, every shard of the group and applies what they answer. */
	async gather(own: AggregatorIdentity, how: "seal" | "pull"): Promise<void> {
		const snapshots = await Promise.all(
			ShardGroup.identities(own).map(async (id) =>
				snapshotOf(
					how === "seal"
						? await this.shard(id).seal(id)
						: await this.shard(id).pullSnapshot(id, this.merge.heldVersion(id.shardIndex)),
				),
			),
		);
		this.storage.transactionSync(() => {
			for (const snapshot of snapshots) this.take(snapshot);
		});
	}

	/** Pulls the shards of the group that have gone quiet: a shard whose own push keeps failing still counts. */
	async pullQuiet(own: AggregatorIdentity): Promise<void> {
		const held = new Map(this.merge.held().map((c) => [c.child, c]));
		const quiet = this.watch.quiet(
			shardsOfAggregator(own.aggregatorIndex, own.shardCount),
			(child) => held.get(child)?.receivedAt ?? 0,
		);
		const results = await Promise.allSettled(
			quiet.map(async (shardIndex) => {
				const id = { year: own.year, shardCount: own.shardCount, shardIndex };
				this.apply(snapshotOf(await this.shard(id).pullSnapshot(id, held.get(shardIndex)?.version ?? 0)));
			}),
		);
		for (const r of results) if (r.status === "rejected") console.error("pulling a quiet shard failed", r.reason);
	}

	/**
	 * The merged counters as the aggregator's snapshot, with the regions and minute buckets changed
	 * after `sinceVersion`: the CeremonyDO keeps the rest.
	 */
	sum(own: AggregatorIdentity, sinceVersion: number): Snapshot {
		const tally = this.merge.tally();
		const shards = this.merge.shards();
		const expected = shardsOfAggregator(own.aggregatorIndex, own.shardCount).length;
		return {
			child: own.aggregatorIndex,
			version: this.merge.version,
			takenAt: tally.takenAt ?? Date.now(),
			sealed: shards.length === expected && shards.every((s) => s.sealed),
			participants: tally.participants,
			actions: tally.actions,
			blessingsPublished: tally.blessingsPublished,
			regions: this.merge.regions(sinceVersion),
			minutes: this.merge.minutesSince(sinceVersion),
			blessings: this.outbox.next(),
			shards,
		};
	}

	/** Snapshots applied that the CeremonyDO has not confirmed, or blessings not yet delivered. */
	get hasUnsent(): boolean {
		return this.merge.version > this.merge.confirmedVersion || !this.outbox.isEmpty;
	}
}
