import { DurableObject } from "cloudflare:workers";
import { ceremonyObjectName, shardName, shardsOfAggregator } from "../src/domain/shard-routing";
import { ShardGroup } from "./aggregator-group";
import { AggregatorIdentityStore, IDENTITY_SCHEMA } from "./aggregator-identity";
import type {
	AggregatorApplyOutcome,
	AggregatorIdentity,
	AggregatorSnapshotOutcome,
	WrongAggregator,
} from "./aggregator-protocol";
import { AGGREGATOR_PUSH_INTERVAL_MS, ChildWatch, PushSchedule } from "./push-schedule";
import { MERGE_SCHEMA, SnapshotMerge } from "./snapshot-merge";
import type { Snapshot } from "./snapshot-protocol";
import { migrate, sqlOf } from "./sql";
import { OUTBOX_SCHEMA, WallOutbox } from "./wall-outbox";

/**
 * One node of the aggregation tree: merges the snapshots of a fixed group of shards and pushes
 * the sum, as a snapshot of its own, to the CeremonyDO. Blessings travel with the snapshots.
 *
 * Every RPC method checks the caller's identity first: a call meant for another aggregator changes
 * nothing and is answered `wrong-aggregator`.
 */
export class AggregatorDO extends DurableObject<Env> {
	private readonly identity: AggregatorIdentityStore;
	private readonly merge: SnapshotMerge;
	private readonly outbox: WallOutbox;
	private readonly group: ShardGroup;
	private readonly pushes: PushSchedule;
	private readonly watch = new ChildWatch();

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		const sql = sqlOf(ctx.storage);
		for (const schema of [MERGE_SCHEMA, OUTBOX_SCHEMA, IDENTITY_SCHEMA]) migrate(ctx.storage, schema);
		this.identity = new AggregatorIdentityStore(sql);
		this.merge = new SnapshotMerge(sql, ctx.storage);
		this.outbox = new WallOutbox(sql);
		this.pushes = new PushSchedule(ctx.storage, AGGREGATOR_PUSH_INTERVAL_MS);
		this.group = new ShardGroup(ctx.storage, this.merge, this.outbox, this.watch, (id) =>
			env.SHARD.getByName(shardName(id.year, id.shardIndex)),
		);
	}

	private wrong(identity: AggregatorIdentity): WrongAggregator | null {
		const detail = this.identity.problem(identity);
		return detail === null ? null : { kind: "wrong-aggregator", detail };
	}

	/** A shard's snapshot; an old or repeated one changes nothing. */
	async applySnapshot(identity: AggregatorIdentity, snapshot: Snapshot): Promise<AggregatorApplyOutcome> {
		const wrong = this.wrong(identity);
		if (wrong) return wrong;
		if (!shardsOfAggregator(identity.aggregatorIndex, identity.shardCount).includes(snapshot.child)) {
			return { kind: "wrong-aggregator", detail: `shard ${snapshot.child} is not merged here` };
		}
		this.watch.received();
		const outcome = this.group.apply(snapshot);
		if (outcome.kind === "applied" || !this.outbox.isEmpty) await this.pushes.request();
		else await this.ensureWatching();
		return outcome;
	}

	/** For the CeremonyDO's pull of a quiet aggregator, and its audit. */
	async pullSnapshot(identity: AggregatorIdentity, sinceVersion: number): Promise<AggregatorSnapshotOutcome> {
		return this.wrong(identity) ?? { kind: "snapshot", snapshot: this.group.sum(identity, sinceVersion) };
	}

	/** Seals every shard of the group, applies their final snapshots, and returns the full sum. */
	async seal(identity: AggregatorIdentity): Promise<AggregatorSnapshotOutcome> {
		const wrong = this.wrong(identity);
		if (wrong) return wrong;
		await this.group.gather(identity, "seal");
		return { kind: "snapshot", snapshot: this.group.sum(identity, 0) };
	}

	/** Pulls every shard of the group and returns the full sum: the audit's way to converge. */
	async refresh(identity: AggregatorIdentity): Promise<AggregatorSnapshotOutcome> {
		const wrong = this.wrong(identity);
		if (wrong) return wrong;
		await this.group.gather(identity, "pull");
		return { kind: "snapshot", snapshot: this.group.sum(identity, 0) };
	}

	// ---- the aggregator's own calls ----

	/** Pushes the sum to the CeremonyDO; what it confirmed is not sent again. */
	async pushSnapshot(): Promise<void> {
		const own = this.identity.read();
		if (!own) return;
		const snapshot = this.group.sum(own, this.merge.confirmedVersion);
		const ceremony = this.env.CEREMONY.getByName(ceremonyObjectName(own.year));
		const outcome = await ceremony.applyAggregate(own, snapshot);
		if (outcome.kind === "wrong-aggregator") throw new Error(outcome.detail);
		this.ctx.storage.transactionSync(() => {
			this.merge.confirm(snapshot.version);
			this.outbox.delivered(snapshot.blessings);
		});
	}

	private async ensureWatching(): Promise<void> {
		const watchAt = this.watch.watchAt();
		if (watchAt !== null && (await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(watchAt);
	}

	override async alarm(): Promise<void> {
		this.pushes.begin();
		let pushAt: number | null = null;
		const own = this.identity.read();
		if (!own) return;
		try {
			if (this.group.hasUnsent) {
				this.pushes.starting();
				await this.pushSnapshot();
				this.pushes.pushed();
			}
			// After the push, so that pulling quiet shards never delays fresh counts.
			if (this.watch.due) await this.group.pullQuiet(own);
			if (this.group.hasUnsent) pushAt = this.pushes.nextPushAt();
		} catch (error) {
			const delay = this.pushes.failed();
			console.error(`aggregator push failed (${this.pushes.failuresInRow}), next in ${delay} ms`, error);
			pushAt = Date.now() + delay;
			if (this.watch.due) await this.group.pullQuiet(own);
		}
		await this.pushes.settle(pushAt, this.watch.watchAt());
	}
}
