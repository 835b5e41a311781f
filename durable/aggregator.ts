import { DurableObject } from "cloudflare:workers";
import { ceremonyObjectName, shardName, shardsOfAggregator } from "../src/domain/shard-routing";
import type { AggregatorApplyOutcome, AggregatorIdentity, AggregatorSnapshotOutcome } from "./aggregator-protocol";
import { ChildWatch, PushSchedule } from "./push-schedule";
import type { ShardIdentity, ShardSnapshotOutcome } from "./shard-protocol";
import { MERGE_SCHEMA, SnapshotMerge } from "./snapshot-merge";
import type { Snapshot } from "./snapshot-protocol";
import { migrate, type SqlQuery, sqlOf } from "./sql";
import { OUTBOX_SCHEMA, WallOutbox } from "./wall-outbox";

const IDENTITY_SCHEMA = `
CREATE TABLE IF NOT EXISTS aggregator_identity (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	year INTEGER NOT NULL, shard_count INTEGER NOT NULL, aggregator_index INTEGER NOT NULL
);
`;

/** A shard that refuses the aggregator's identity is a fault of the deployment, not of the counts. */
function snapshotOf(outcome: ShardSnapshotOutcome): Snapshot {
	if (outcome.kind === "wrong-shard") throw new Error(outcome.detail);
	return outcome.snapshot;
}

type IdentityRow = { year: number; shard_count: number; aggregator_index: number };

/**
 * One node of the aggregation tree: merges the snapshots of a fixed group of shards and pushes
 * the sum, as a snapshot of its own, to the CeremonyDO. Blessings travel with the snapshots.
 */
export class AggregatorDO extends DurableObject<Env> {
	private readonly sql: SqlQuery;
	private readonly merge: SnapshotMerge;
	private readonly outbox: WallOutbox;
	private readonly pushes: PushSchedule;
	private readonly watch = new ChildWatch();

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.sql = sqlOf(ctx.storage);
		migrate(ctx.storage, MERGE_SCHEMA);
		migrate(ctx.storage, OUTBOX_SCHEMA);
		migrate(ctx.storage, IDENTITY_SCHEMA);
		this.merge = new SnapshotMerge(this.sql, ctx.storage);
		this.outbox = new WallOutbox(this.sql);
		this.pushes = new PushSchedule(ctx.storage);
	}

	private identity(): AggregatorIdentity | null {
		const row = this
			.sql<IdentityRow>`SELECT year, shard_count, aggregator_index FROM aggregator_identity WHERE id = 1`[0];
		return row ? { year: row.year, shardCount: row.shard_count, aggregatorIndex: row.aggregator_index } : null;
	}

	/** Records the identity at the first call and refuses any call that disagrees with it. */
	private identityProblem(claimed: AggregatorIdentity): string | null {
		const own = this.identity();
		if (!own) {
			this.sql`INSERT INTO aggregator_identity (id, year, shard_count, aggregator_index)
				VALUES (1, ${claimed.year}, ${claimed.shardCount}, ${claimed.aggregatorIndex})`;
			return null;
		}
		if (
			own.year !== claimed.year ||
			own.shardCount !== claimed.shardCount ||
			own.aggregatorIndex !== claimed.aggregatorIndex
		) {
			return `this aggregator is ${own.aggregatorIndex} of ${own.year} with ${own.shardCount} shards, not ${claimed.aggregatorIndex} of ${claimed.year} with ${claimed.shardCount}`;
		}
		return null;
	}

	/** A shard's snapshot; an old or repeated one changes nothing. */
	async applySnapshot(identity: AggregatorIdentity, snapshot: Snapshot): Promise<AggregatorApplyOutcome> {
		const wrong = this.identityProblem(identity);
		if (wrong) return { kind: "wrong-aggregator", detail: wrong };
		if (!shardsOfAggregator(identity.aggregatorIndex, identity.shardCount).includes(snapshot.child)) {
			return { kind: "wrong-aggregator", detail: `shard ${snapshot.child} is not merged here` };
		}
		this.watch.received();
		const outcome = this.ctx.storage.transactionSync(() => {
			this.outbox.add(snapshot.blessings);
			return this.merge.apply(snapshot);
		});
		if (outcome.kind === "applied" || !this.outbox.isEmpty) await this.pushes.request();
		else await this.ensureWatching();
		return outcome;
	}

	/** The merged counters, with the minute buckets changed after `sinceVersion`. */
	private snapshot(own: AggregatorIdentity, sinceVersion: number): Snapshot {
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
			regions: this.merge.regions(),
			minutes: this.merge.minutesSince(sinceVersion),
			blessings: this.outbox.next(),
			shards,
		};
	}

	/** For the CeremonyDO's pull of a quiet aggregator, and its audit. */
	async pullSnapshot(identity: AggregatorIdentity, sinceVersion: number): Promise<AggregatorSnapshotOutcome> {
		const wrong = this.identityProblem(identity);
		if (wrong) return { kind: "wrong-aggregator", detail: wrong };
		return { kind: "snapshot", snapshot: this.snapshot(identity, sinceVersion) };
	}

	/** Seals every shard of the group, applies their final snapshots, and returns the full sum. */
	async seal(identity: AggregatorIdentity): Promise<AggregatorSnapshotOutcome> {
		const wrong = this.identityProblem(identity);
		if (wrong) return { kind: "wrong-aggregator", detail: wrong };
		const finals = await Promise.all(
			this.shardIdentities(identity).map(async (id) => snapshotOf(await this.shardStub(id).seal(id))),
		);
		this.ctx.storage.transactionSync(() => {
			for (const snapshot of finals) {
				this.outbox.add(snapshot.blessings);
				this.merge.apply(snapshot);
			}
		});
		return { kind: "snapshot", snapshot: this.snapshot(identity, 0) };
	}

	/** Pulls every shard of the group and returns the full sum: the audit's way to converge. */
	async refresh(identity: AggregatorIdentity): Promise<AggregatorSnapshotOutcome> {
		const wrong = this.identityProblem(identity);
		if (wrong) return { kind: "wrong-aggregator", detail: wrong };
		const snapshots = await Promise.all(
			this.shardIdentities(identity).map(async (id) =>
				snapshotOf(await this.shardStub(id).pullSnapshot(id, this.merge.heldVersion(id.shardIndex))),
			),
		);
		this.ctx.storage.transactionSync(() => {
			for (const snapshot of snapshots) {
				this.outbox.add(snapshot.blessings);
				this.merge.apply(snapshot);
			}
		});
		return { kind: "snapshot", snapshot: this.snapshot(identity, 0) };
	}

	private shardIdentities(own: AggregatorIdentity): ShardIdentity[] {
		return shardsOfAggregator(own.aggregatorIndex, own.shardCount).map((shardIndex) => ({
			year: own.year,
			shardCount: own.shardCount,
			shardIndex,
		}));
	}

	private shardStub(id: ShardIdentity) {
		return this.env.SHARD.getByName(shardName(id.year, id.shardIndex));
	}

	private get hasUnsent(): boolean {
		return this.merge.version > this.merge.confirmedVersion || !this.outbox.isEmpty;
	}

	/** Pushes the sum to the CeremonyDO; what it confirmed is not sent again. */
	async pushSnapshot(): Promise<void> {
		const own = this.identity();
		if (!own) return;
		const snapshot = this.snapshot(own, this.merge.confirmedVersion);
		const ceremony = this.env.CEREMONY.getByName(ceremonyObjectName(own.year));
		const outcome = await ceremony.applyAggregate(own, snapshot);
		if (outcome.kind === "wrong-aggregator") throw new Error(outcome.detail);
		this.ctx.storage.transactionSync(() => {
			this.merge.confirm(snapshot.version);
			this.outbox.delivered(snapshot.blessings);
		});
	}

	/** Pulls the shards of the group that have gone quiet: a shard whose own push keeps failing still counts. */
	private async pullQuietShards(own: AggregatorIdentity): Promise<void> {
		const held = new Map(this.merge.held().map((c) => [c.child, c]));
		const quiet = this.watch.quiet(
			shardsOfAggregator(own.aggregatorIndex, own.shardCount),
			(child) => held.get(child)?.receivedAt ?? 0,
		);
		const results = await Promise.allSettled(
			quiet.map(async (shardIndex) => {
				const id = { year: own.year, shardCount: own.shardCount, shardIndex };
				const snapshot = snapshotOf(await this.shardStub(id).pullSnapshot(id, held.get(shardIndex)?.version ?? 0));
				const outcome = this.ctx.storage.transactionSync(() => {
					this.outbox.add(snapshot.blessings);
					return this.merge.apply(snapshot);
				});
				return outcome.kind === "applied";
			}),
		);
		for (const r of results) if (r.status === "rejected") console.error("pulling a quiet shard failed", r.reason);
	}

	private async ensureWatching(): Promise<void> {
		const watchAt = this.watch.watchAt();
		if (watchAt !== null && (await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(watchAt);
	}

	override async alarm(): Promise<void> {
		this.pushes.begin();
		let pushAt: number | null = null;
		const own = this.identity();
		if (!own) return;
		try {
			if (this.hasUnsent) {
				this.pushes.starting();
				await this.pushSnapshot();
				this.pushes.pushed();
			}
			// After the push, so that pulling quiet shards never delays fresh counts.
			if (this.watch.due) await this.pullQuietShards(own);
			if (this.hasUnsent) pushAt = this.pushes.nextPushAt();
		} catch (error) {
			const delay = this.pushes.failed();
			console.error(`aggregator push failed (${this.pushes.failuresInRow}), next in ${delay} ms`, error);
			pushAt = Date.now() + delay;
			if (this.watch.due) await this.pullQuietShards(own);
		}
		await this.pushes.settle(pushAt, this.watch.watchAt());
	}
}
