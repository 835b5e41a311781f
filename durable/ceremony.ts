import { DurableObject } from "cloudflare:workers";
import type { CeremonyDefaults } from "../src/domain/ceremony";
import { aggregatorName, shardName } from "../src/domain/shard-routing";
import type { CeremonyConfig, CeremonyInput } from "../src/schemas/ceremony";
import type { QueueState } from "../src/schemas/moderation";
import type { Interval } from "../src/schemas/stats";
import type { AggregatorApplyOutcome, AggregatorIdentity } from "./aggregator-protocol";
import { CeremonyAuditor } from "./ceremony-audit";
import { CertificateLedger } from "./ceremony-certificates";
import { CeremonyConfigStore } from "./ceremony-config";
import { CeremonyFigures } from "./ceremony-figures";
import { LiveRoom } from "./ceremony-live";
import { Moderation } from "./ceremony-moderation";
import type {
	AuditOutcome,
	BlessingPageOutcome,
	BroadcastOutcome,
	CloseOutcome,
	ConfigOutcome,
	ConfigureOutcome,
	LeaseOutcome,
	ModerationOutcome,
	ModerationPageOutcome,
	NameModerationOutcome,
	NamePageOutcome,
	NameReviewOutcome,
	ParticipantErasureOutcome,
	RegionsOutcome,
	ReportOutcome,
	StatsOutcome,
	TicketOutcome,
	TimeseriesOutcome,
	WrongCeremony,
} from "./ceremony-protocol";
import { liveRequestYear } from "./ceremony-protocol";
import { CEREMONY_SCHEMA, ERASURE_SCHEMA, LIVE_SCHEMA, NAMES_SCHEMA, REPORT_SCHEMA } from "./ceremony-schema";
import { AggregateTree, shardIdentities } from "./ceremony-tree";
import { BlessingWall } from "./ceremony-wall";
import { MERGE_SCHEMA, SnapshotMerge } from "./snapshot-merge";
import type { Snapshot } from "./snapshot-protocol";
import { migrate, sqlOf } from "./sql";

/**
 * One ceremony: its configuration, the top of the aggregation tree and the figures as its sum,
 * the blessing wall and its moderation, the certificate-number ledger, the committee's live view,
 * the audit and the close. An RPC facade over one module per concern.
 *
 * Every RPC method takes the year the caller means and checks it first: a call meant for another
 * ceremony changes nothing and is answered `wrong-ceremony`.
 */
export class CeremonyDO extends DurableObject<Env> {
	private readonly config: CeremonyConfigStore;
	private readonly certificates: CertificateLedger;
	private readonly merge: SnapshotMerge;
	private readonly figures: CeremonyFigures;
	private readonly wall: BlessingWall;
	private readonly tree: AggregateTree;
	private readonly moderation: Moderation;
	private readonly live: LiveRoom;
	private readonly auditor: CeremonyAuditor;
	/** The year in the object's name (`ceremonyObjectName`), when the platform gives the name. */
	private readonly namedYear: number | null;

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		const sql = sqlOf(ctx.storage);
		for (const schema of [CEREMONY_SCHEMA, LIVE_SCHEMA, REPORT_SCHEMA, NAMES_SCHEMA, ERASURE_SCHEMA, MERGE_SCHEMA]) {
			migrate(ctx.storage, schema);
		}
		const shard = (year: number, index: number) => env.SHARD.getByName(shardName(year, index));
		const aggregator = (year: number, index: number) => env.AGGREGATOR.getByName(aggregatorName(year, index));
		this.config = new CeremonyConfigStore(sql);
		this.certificates = new CertificateLedger(sql);
		this.merge = new SnapshotMerge(sql, ctx.storage);
		this.figures = new CeremonyFigures(sql, this.merge);
		this.wall = new BlessingWall(sql);
		this.tree = new AggregateTree(ctx.storage, this.merge, this.wall, aggregator, () => this.live.changed());
		this.moderation = new Moderation(sql, this.wall, shard);
		this.live = new LiveRoom(ctx, sql, this.figures, this.merge, this.wall, () => this.config.read()?.year ?? 0);
		this.auditor = new CeremonyAuditor(this.merge, this.figures, this.certificates, this.tree, shard);
		const named = Number(ctx.id.name);
		this.namedYear = ctx.id.name !== undefined && Number.isInteger(named) ? named : null;
	}

	/** The object is the ceremony of the year its configuration holds, or else of the year in its name. */
	private wrong(year: number): WrongCeremony | null {
		const own = this.config.read()?.year ?? this.namedYear;
		return own === null || own === year
			? null
			: { kind: "wrong-ceremony", detail: `this object holds the ceremony of ${own}, not of ${year}` };
	}

	// ---- configuration ----

	/** The configuration, created with the defaults when given and none exists. */
	async getConfig(year: number, defaults: CeremonyDefaults | null): Promise<ConfigOutcome> {
		const wrong = this.wrong(year);
		if (wrong) return wrong;
		const config = this.config.readOrCreate(year, defaults);
		return config ? { kind: "config", config } : { kind: "not-found" };
	}

	async configure(year: number, input: CeremonyInput, defaults: CeremonyDefaults): Promise<ConfigureOutcome> {
		const wrong = this.wrong(year);
		if (wrong) return wrong;
		const existed = this.config.read() !== null;
		const outcome = this.config.configure(
			year,
			input,
			defaults,
			(base) => Date.now() >= base.opensAt || this.merge.hasChildren || this.certificates.anyLeased,
		);
		if (outcome.kind !== "configured") return outcome;
		this.live.changed();
		if (existed) await this.announceConfigVersion(outcome.config);
		return outcome;
	}

	/**
	 * Tells every shard the new configuration version, so that a Worker acting under an older copy
	 * is answered "stale" and refreshes it. A change happens a few times a ceremony: S calls each.
	 */
	private async announceConfigVersion(config: CeremonyConfig): Promise<void> {
		await Promise.all(
			shardIdentities(config).map(async (id) => {
				const stub = this.env.SHARD.getByName(shardName(config.year, id.shardIndex));
				const outcome = await stub.configChanged(id, config.version);
				if (outcome.kind === "wrong-shard") throw new Error(outcome.detail);
			}),
		);
	}

	/** A block of certificate numbers for one shard, recorded before it is handed out. */
	async leaseCertificates(year: number, shardIndex: number, size: number): Promise<LeaseOutcome> {
		return this.wrong(year) ?? { kind: "leased", block: this.certificates.lease(year, shardIndex, size) };
	}

	// ---- the aggregation tree ----

	/** An aggregator's identity holds the year; the tree checks it with the rest of the identity. */
	async applyAggregate(identity: AggregatorIdentity, snapshot: Snapshot): Promise<AggregatorApplyOutcome> {
		return this.tree.apply(this.config.read(), identity, snapshot);
	}

	override async alarm(): Promise<void> {
		await this.tree.watchChildren(this.config.read());
	}

	// ---- public reads ----

	async stats(year: number): Promise<StatsOutcome> {
		return this.wrong(year) ?? { kind: "figures", figures: this.figures.figures() };
	}

	async regions(year: number): Promise<RegionsOutcome> {
		return this.wrong(year) ?? { kind: "regions", regions: this.figures.regions() };
	}

	async timeseries(year: number, interval: Interval, from: number, to: number): Promise<TimeseriesOutcome> {
		const wrong = this.wrong(year);
		if (wrong) return wrong;
		const closed = this.config.read()?.closedAt != null;
		const width = interval === "1h" ? 3_600_000 : 60_000;
		return { kind: "series", series: this.figures.series(width, from, to, closed) };
	}

	async blessings(year: number, limit: number, cursor: string | undefined): Promise<BlessingPageOutcome> {
		return this.wrong(year) ?? { kind: "page", page: this.wall.published(limit, cursor) };
	}

	// ---- the wall and its moderation ----

	async report(
		year: number,
		blessingId: string,
		participantId: string,
		reason: string | null,
		addressKey?: string,
	): Promise<ReportOutcome> {
		const wrong = this.wrong(year);
		if (wrong) return wrong;
		const outcome = this.wall.report(blessingId, participantId, reason, addressKey);
		if (outcome.kind === "reported") this.live.changed();
		return outcome;
	}

	async moderationQueue(
		year: number,
		state: QueueState,
		limit: number,
		cursor: string | undefined,
	): Promise<ModerationPageOutcome> {
		return this.wrong(year) ?? { kind: "page", page: this.wall.queue(state, limit, cursor) };
	}

	async moderate(
		year: number,
		blessingId: string,
		action: "hide" | "restore",
		member: string,
	): Promise<ModerationOutcome> {
		const wrong = this.wrong(year);
		if (wrong) return wrong;
		const config = this.config.read();
		if (!config) return { kind: "not-found" };
		const outcome = await this.moderation.moderate(config, blessingId, action, member);
		if (outcome.kind === "moderated") this.live.changed();
		return outcome;
	}

	async holdName(
		year: number,
		participantId: string,
		shardIndex: number,
		displayName: string,
	): Promise<NameReviewOutcome> {
		const wrong = this.wrong(year);
		if (wrong) return wrong;
		this.moderation.holdName(participantId, shardIndex, displayName);
		this.live.changed();
		return { kind: "held" };
	}

	async releaseName(year: number, participantId: string): Promise<NameReviewOutcome> {
		const wrong = this.wrong(year);
		if (wrong) return wrong;
		this.moderation.releaseName(participantId);
		this.live.changed();
		return { kind: "released" };
	}

	async nameQueue(
		year: number,
		state: "held" | "hidden",
		limit: number,
		cursor: string | undefined,
	): Promise<NamePageOutcome> {
		return this.wrong(year) ?? { kind: "page", page: this.moderation.nameQueue(state, limit, cursor) };
	}

	async moderateName(
		year: number,
		participantId: string,
		action: "hide" | "restore",
		member: string,
	): Promise<NameModerationOutcome> {
		const wrong = this.wrong(year);
		if (wrong) return wrong;
		const config = this.config.read();
		if (!config) return { kind: "not-found" };
		const outcome = await this.moderation.moderateName(config, participantId, action, member);
		if (outcome.kind === "moderated") this.live.changed();
		return outcome;
	}

	/** Removes an erased participant's name under review, blessings and reports. */
	async eraseParticipant(year: number, participantId: string): Promise<ParticipantErasureOutcome> {
		const wrong = this.wrong(year);
		if (wrong) return wrong;
		this.moderation.releaseName(participantId);
		const removed = this.wall.erase(participantId);
		if (removed > 0) this.live.changed();
		return { kind: "erased", removed };
	}

	// ---- the committee's live socket ----

	async useTicket(year: number, nonce: string, expiresAt: number): Promise<TicketOutcome> {
		return this.wrong(year) ?? this.live.useTicket(nonce, expiresAt);
	}

	/**
	 * Only the live URL arrives by fetch, for a member the Worker authenticated (and whose ticket it
	 * spent). It names its ceremony, as every RPC method does in its first argument: in a header, or
	 * (from a Worker of the previous release) in its path. A request for another ceremony, or for
	 * none, is answered 421 with the `wrong-ceremony` outcome, and no socket is opened.
	 */
	override async fetch(request: Request): Promise<Response> {
		const year = liveRequestYear(request);
		const wrong =
			year === null
				? ({ kind: "wrong-ceremony", detail: "the live request names no ceremony" } as const)
				: this.wrong(year);
		if (wrong) return Response.json(wrong, { status: 421 });
		return this.live.connect(request);
	}

	override async webSocketMessage(ws: WebSocket, raw: string | ArrayBuffer): Promise<void> {
		this.live.answer(ws, raw);
	}

	override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
		try {
			ws.close(code, reason);
		} catch {
			// already closed
		}
	}

	/** Sends the figures to every socket that has not seen them yet (the live view's timer calls it too). */
	async broadcast(year: number): Promise<BroadcastOutcome> {
		return this.wrong(year) ?? { kind: "broadcast", sockets: this.live.broadcast() };
	}

	// ---- audit and close ----

	async audit(year: number): Promise<AuditOutcome> {
		const wrong = this.wrong(year);
		if (wrong) return wrong;
		const config = this.config.read();
		if (!config) return { kind: "not-found" };
		return { kind: "audited", audit: await this.auditor.audit(config) };
	}

	/** Seals every shard, applies their final snapshots, then freezes the figures. */
	async close(year: number): Promise<CloseOutcome> {
		const wrong = this.wrong(year);
		if (wrong) return wrong;
		const config = this.config.read();
		if (!config) return { kind: "not-found" };
		if (config.closedAt === null) {
			await this.tree.gather(config, "seal");
			this.figures.freeze();
			this.config.save({ ...config, closedAt: Date.now(), version: config.version + 1 });
			this.live.changed();
		}
		return { kind: "closed", figures: this.figures.figures() };
	}
}
