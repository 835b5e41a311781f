import { DurableObject } from "cloudflare:workers";
import { aggregatorIndexFor, aggregatorName, ceremonyObjectName } from "../src/domain/shard-routing";
import { CertificateLease } from "./certificate-lease";
import { PushSchedule, SHARD_PUSH_INTERVAL_MS } from "./push-schedule";
import { ActionLog } from "./shard-actions";
import { ShardAuditor } from "./shard-audit";
import { ShardBlessings } from "./shard-blessings";
import { ShardCounters } from "./shard-counters";
import { ShardParticipants } from "./shard-participants";
import type {
	ActionIdentity,
	ActionOutcome,
	ActionRequest,
	BlessingStateOutcome,
	ConfigVersionOutcome,
	EraseOutcome,
	NameStateOutcome,
	ProfileChange,
	ProfileOutcome,
	ProfileUpdateOutcome,
	ShardAuditOutcome,
	ShardIdentity,
	ShardSnapshotOutcome,
	WrongShard,
} from "./shard-protocol";
import { SHARD_CONFIG_SCHEMA, SHARD_FOLDED_SEQ, SHARD_REGION_VERSION, SHARD_SCHEMA } from "./shard-schema";
import { ShardSnapshots } from "./shard-snapshots";
import { ShardState } from "./shard-state";
import { addColumn, migrate, sqlOf } from "./sql";

/**
 * One shard of a ceremony: the participants whose id hashes here, their action log, and the
 * counters that summarise it. Everything is in SQLite; memory holds no per-participant state.
 *
 * Every RPC method checks the caller's identity first: a call meant for another shard changes
 * nothing and is answered `wrong-shard`.
 */
export class ShardDO extends DurableObject<Env> {
	private readonly state: ShardState;
	private readonly participants: ShardParticipants;
	private readonly actions: ActionLog;
	private readonly blessings: ShardBlessings;
	private readonly counters: ShardCounters;
	private readonly snapshots: ShardSnapshots;
	private readonly auditor: ShardAuditor;
	private readonly pushes: PushSchedule;
	private readonly lease: CertificateLease;

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		const sql = sqlOf(ctx.storage);
		migrate(ctx.storage, SHARD_SCHEMA);
		addColumn(ctx.storage, SHARD_REGION_VERSION);
		addColumn(ctx.storage, SHARD_FOLDED_SEQ);
		migrate(ctx.storage, SHARD_CONFIG_SCHEMA);
		this.state = new ShardState(sql);
		this.pushes = new PushSchedule(ctx.storage, SHARD_PUSH_INTERVAL_MS);
		this.participants = new ShardParticipants(sql, ctx.storage);
		this.lease = new CertificateLease(this.state, (size) => this.requestLease(size));
		this.actions = new ActionLog(sql, ctx.storage, this.state, this.lease, this.pushes);
		this.counters = new ShardCounters(sql, ctx.storage, this.state);
		this.blessings = new ShardBlessings(sql, ctx.storage, this.state, this.counters);
		this.snapshots = new ShardSnapshots(sql, this.state, this.counters);
		this.auditor = new ShardAuditor(sql, this.state, this.snapshots);
	}

	private wrong(identity: ShardIdentity): WrongShard | null {
		const detail = this.state.identityProblem(identity);
		return detail === null ? null : { kind: "wrong-shard", detail };
	}

	/** Commits a batch of actions in one transaction (see ActionLog). */
	async perform(identity: ActionIdentity, requests: ActionRequest[]): Promise<ActionOutcome[]> {
		const wrong = this.wrong(identity);
		if (wrong) return requests.map(() => wrong);
		return this.actions.perform(identity.configVersion, requests);
	}

	/** The CeremonyDO tells every shard of a new configuration version. */
	async configChanged(identity: ShardIdentity, configVersion: number): Promise<ConfigVersionOutcome> {
		return this.wrong(identity) ?? { kind: "noted", configVersion: this.state.learnConfigVersion(configVersion) };
	}

	async profile(identity: ShardIdentity, participantId: string): Promise<ProfileOutcome> {
		return this.wrong(identity) ?? { kind: "profile", profile: this.participants.profile(participantId) };
	}

	async updateProfile(
		identity: ShardIdentity,
		participantId: string,
		change: ProfileChange,
	): Promise<ProfileUpdateOutcome> {
		return this.wrong(identity) ?? this.participants.update(participantId, change);
	}

	/** Moderation of a display name. */
	async setNameState(
		identity: ShardIdentity,
		participantId: string,
		state: "published" | "hidden",
	): Promise<NameStateOutcome> {
		const wrong = this.wrong(identity);
		if (wrong) return wrong;
		const displayName = this.participants.setNameState(participantId, state);
		return displayName === null ? { kind: "not-found" } : { kind: "moderated", displayName };
	}

	/** Erases the participant's name and blessings; their counts stay. */
	async erase(identity: ShardIdentity, participantId: string): Promise<EraseOutcome> {
		const wrong = this.wrong(identity);
		if (wrong) return wrong;
		// The counters first hold every action of the log, so the published count moves from the truth.
		this.counters.fold();
		const blessings = this.ctx.storage.transactionSync(() => {
			this.participants.eraseName(participantId);
			return this.blessings.erase(participantId);
		});
		await this.pushes.request();
		return { kind: "erased", blessings };
	}

	/** Moderation: publishes or hides a blessing. */
	async setBlessingState(
		identity: ShardIdentity,
		seq: number,
		state: "published" | "hidden",
	): Promise<BlessingStateOutcome> {
		const wrong = this.wrong(identity);
		if (wrong) return wrong;
		const applied = this.blessings.setState(seq, state);
		if (applied === null) return { kind: "not-found" };
		if (applied.changed) await this.pushes.request();
		return { kind: "moderated", state };
	}

	/** Seals the shard (no new actions) and returns its final snapshot. */
	async seal(identity: ShardIdentity): Promise<ShardSnapshotOutcome> {
		const wrong = this.wrong(identity);
		if (wrong) return wrong;
		this.state.seal();
		return { kind: "snapshot", snapshot: this.snapshots.take(0) };
	}

	/** A snapshot for the aggregator's pull of a quiet shard, with minute buckets changed after `sinceVersion`. */
	async pullSnapshot(identity: ShardIdentity, sinceVersion: number): Promise<ShardSnapshotOutcome> {
		return this.wrong(identity) ?? { kind: "snapshot", snapshot: this.snapshots.take(sinceVersion) };
	}

	/** Recounts the durable action log and compares it with the counters. */
	async audit(identity: ShardIdentity): Promise<ShardAuditOutcome> {
		return this.wrong(identity) ?? { kind: "audited", audit: this.auditor.audit(), recount: this.auditor.recount() };
	}

	// ---- the shard's own calls ----

	private ceremony() {
		const own = this.state.identity();
		if (!own) throw new Error("shard has no ceremony yet");
		return this.env.CEREMONY.getByName(ceremonyObjectName(own.year));
	}

	private async requestLease(size: number) {
		const own = this.state.identity();
		if (!own) throw new Error("shard has no ceremony yet");
		const outcome = await this.ceremony().leaseCertificates(own.year, own.shardIndex, size);
		if (outcome.kind === "wrong-ceremony") throw new Error(outcome.detail);
		return outcome.block;
	}

	/** Pushes the counters to the shard's aggregator; the cursors move only once it has them. */
	async pushSnapshot(): Promise<void> {
		const own = this.state.identity();
		if (!own) return;
		const snapshot = this.snapshots.take(this.state.read().confirmed_version);
		const aggregatorIndex = aggregatorIndexFor(own.shardIndex);
		const stub = this.env.AGGREGATOR.getByName(aggregatorName(own.year, aggregatorIndex));
		const outcome = await stub.applySnapshot({ year: own.year, shardCount: own.shardCount, aggregatorIndex }, snapshot);
		if (outcome.kind === "wrong-aggregator") throw new Error(outcome.detail);
		this.snapshots.confirm(snapshot);
	}

	override async alarm(): Promise<void> {
		this.pushes.begin();
		let pushAt: number | null = null;
		try {
			this.pushes.starting();
			await this.pushSnapshot();
			this.pushes.pushed();
			if (this.snapshots.hasUnsentWork) pushAt = this.pushes.nextPushAt();
		} catch (error) {
			const delay = this.pushes.failed();
			console.error(`shard snapshot push failed (${this.pushes.failuresInRow}), next in ${delay} ms`, error);
			pushAt = Date.now() + delay;
		}
		await this.pushes.settle(pushAt, null);
	}
}
