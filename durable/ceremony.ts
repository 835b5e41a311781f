import { DurableObject } from "cloudflare:workers";
import { TICKET_TTL_MS } from "../src/auth/live-ticket";
import { applyInput, type CeremonyDefaults, defaultConfig } from "../src/domain/ceremony";
import { isOverseas, UNKNOWN_REGION } from "../src/domain/regions";
import { aggregatorCount, aggregatorName, parseActionId, shardName } from "../src/domain/shard-routing";
import { Problem, problemResponse } from "../src/http/problem";
import type { Blessing, BlessingPage } from "../src/schemas/blessing";
import type { CeremonyConfig, CeremonyInput } from "../src/schemas/ceremony";
import { ACTION_TYPES, type ActionCounts, zeroCounts } from "../src/schemas/common";
import { LiveClientMessage, type LivePong, type LiveTotals } from "../src/schemas/live";
import type { Interval, RegionsStats, Stats, Timeseries } from "../src/schemas/stats";
import type { AggregatorApplyOutcome, AggregatorIdentity } from "./aggregator-protocol";
import { CEREMONY_SCHEMA, ERASURE_SCHEMA, LIVE_SCHEMA, NAMES_SCHEMA, REPORT_SCHEMA } from "./ceremony-schema";
import type { LeasedBlock } from "./certificate-lease";
import { ChildWatch } from "./push-schedule";
import type { ShardAudit, ShardIdentity } from "./shard-protocol";
import { MERGE_SCHEMA, SnapshotMerge } from "./snapshot-merge";
import type { Snapshot, WallEntry } from "./snapshot-protocol";
import { migrate, type SqlQuery, sqlOf } from "./sql";

/** Published blessings kept on the wall; every blessing stays in its shard's log. */
const WALL_WINDOW = 10_000;
/** One report per blessing per address /64 counts within this window. */
const REPORT_ADDRESS_WINDOW_MS = 86_400_000;

type WallRow = {
	moderated_by: string | null;
	moderated_at: number | null;
	id: string;
	participant_id: string;
	text_hans: string;
	text_hant: string;
	display_name: string | null;
	region: string | null;
	state: string;
	created_at: number;
	reports: number;
};

export type ConfigureOutcome =
	| { kind: "configured"; config: CeremonyConfig; created: boolean }
	| { kind: "shard-count-fixed"; config: CeremonyConfig }
	| { kind: "closed"; config: CeremonyConfig };

export type CloseOutcome = { kind: "closed"; stats: Stats } | { kind: "not-found" };

export type ReportOutcome = "reported" | "already-reported" | "not-found";

export type QueueState = "held" | "reported" | "hidden";

export type ModerationOutcome = { kind: "moderated"; entry: ModeratedBlessing } | { kind: "not-found" };

export interface ModeratedBlessing extends Blessing {
	state: "published" | "held" | "hidden";
	reports: number;
	moderatedBy: string | null;
	moderatedAt: string | null;
}

export interface NameUnderReview {
	participantId: string;
	displayName: string;
	state: "held" | "hidden" | "published";
	createdAt: string;
	moderatedBy: string | null;
	moderatedAt: string | null;
}

type NameRow = {
	participant_id: string;
	shard: number;
	display_name: string;
	state: "held" | "hidden";
	created_at: number;
	moderated_by: string | null;
	moderated_at: number | null;
};

export type NameModerationOutcome = { kind: "moderated"; entry: NameUnderReview } | { kind: "not-found" };

/** What a live socket remembers across hibernation. */
interface SocketAttachment {
	member: string;
	connectedAt: number;
	lastDigest: string | null;
}

export interface CeremonyAudit {
	year: number;
	match: boolean;
	recount: { participants: number; actions: ActionCounts; blessingsPublished: number };
	totals: { participants: number; actions: ActionCounts; blessingsPublished: number };
	shards: ShardAudit[];
	certificatesLeased: number;
}

/**
 * One ceremony: its configuration, the latest snapshot of every shard and the totals as their
 * sum, the time series, the blessing wall and the certificate-number allocator.
 */
export class CeremonyDO extends DurableObject<Env> {
	private readonly sql: SqlQuery;
	private readonly merge: SnapshotMerge;
	private readonly watch = new ChildWatch();

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.sql = sqlOf(ctx.storage);
		migrate(ctx.storage, CEREMONY_SCHEMA);
		migrate(ctx.storage, LIVE_SCHEMA);
		migrate(ctx.storage, REPORT_SCHEMA);
		migrate(ctx.storage, NAMES_SCHEMA);
		migrate(ctx.storage, ERASURE_SCHEMA);
		migrate(ctx.storage, MERGE_SCHEMA);
		this.merge = new SnapshotMerge(this.sql, ctx.storage);
	}

	private config(): CeremonyConfig | null {
		const text = this.sql<{ config: string | null }>`SELECT config FROM ceremony_state WHERE id = 1`[0]?.config;
		return text ? (JSON.parse(text) as CeremonyConfig) : null;
	}

	private saveConfig(config: CeremonyConfig): void {
		this.sql`UPDATE ceremony_state SET year = ${config.year}, config = ${JSON.stringify(config)} WHERE id = 1`;
	}

	/** The configuration, created with the defaults when given and none exists. */
	async getConfig(year: number, defaults: CeremonyDefaults | null): Promise<CeremonyConfig | null> {
		const config = this.config();
		if (config || !defaults) return config;
		const created = defaultConfig(year, defaults, Date.now());
		this.saveConfig(created);
		return created;
	}

	async configure(year: number, input: CeremonyInput, defaults: CeremonyDefaults): Promise<ConfigureOutcome> {
		const now = Date.now();
		const existing = this.config();
		const base = existing ?? defaultConfig(year, defaults, now);
		if (base.closedAt !== null) return { kind: "closed", config: base };
		const changesShards = input.shardCount !== undefined && input.shardCount !== base.shardCount;
		const hasStarted =
			now >= base.opensAt || this.merge.hasChildren || this.sql`SELECT 1 FROM certificate_leases LIMIT 1`.length > 0;
		if (existing && changesShards && hasStarted) return { kind: "shard-count-fixed", config: base };
		const config = existing ? applyInput(base, input) : { ...applyInput(base, input), version: 1 };
		this.saveConfig(config);
		this.scheduleBroadcast();
		if (existing) await this.announceConfigVersion(config);
		return { kind: "configured", config, created: !existing };
	}

	/**
	 * Tells every shard the new configuration version, so that a Worker acting under an older copy
	 * is answered "stale" and refreshes it. A change happens a few times a ceremony: S calls each.
	 */
	private async announceConfigVersion(config: CeremonyConfig): Promise<void> {
		await Promise.all(
			this.identities(config).map(async (id) => {
				const outcome = await this.shardStub(config.year, id.shardIndex).configChanged(id, config.version);
				if (outcome.kind === "wrong-shard") throw new Error(outcome.detail);
			}),
		);
	}

	// ---- certificate numbers ----

	/** A block of numbers for one shard, recorded before it is handed out. */
	async leaseCertificates(year: number, shardIndex: number, size: number): Promise<LeasedBlock> {
		const start = this.sql<{ next_certificate: number }>`SELECT next_certificate FROM ceremony_state WHERE id = 1`[0]
			?.next_certificate as number;
		const end = start + Math.max(1, Math.min(size, 100_000));
		this.sql`UPDATE ceremony_state SET next_certificate = ${end}, year = coalesce(year, ${year}) WHERE id = 1`;
		this
			.sql`INSERT INTO certificate_leases (start, end, shard, at) VALUES (${start}, ${end}, ${shardIndex}, ${Date.now()})`;
		return { start, end };
	}

	// ---- snapshots ----

	/**
	 * Applies an aggregator's snapshot if it is newer than the one held; an old or repeated one
	 * changes nothing. The blessings it carries reach the wall and the queue either way.
	 */
	async applyAggregate(identity: AggregatorIdentity, snapshot: Snapshot): Promise<AggregatorApplyOutcome> {
		const config = this.config();
		if (!config || config.year !== identity.year || config.shardCount !== identity.shardCount) {
			return { kind: "wrong-aggregator", detail: "this ceremony has another year or shard count" };
		}
		if (snapshot.child !== identity.aggregatorIndex || snapshot.child >= aggregatorCount(config.shardCount)) {
			return { kind: "wrong-aggregator", detail: `no aggregator ${snapshot.child} in this ceremony` };
		}
		this.watch.received();
		const outcome = this.ctx.storage.transactionSync(() => {
			this.addToWall(snapshot.blessings);
			return this.merge.apply(snapshot);
		});
		this.scheduleBroadcast();
		await this.ensureWatching();
		return outcome;
	}

	private addToWall(entries: WallEntry[]): void {
		if (entries.length === 0) return;
		for (const b of entries) {
			// Moderation decided here wins over the state the shard knew when it sent the blessing,
			// and an erased participant's blessing still on its way never reaches the wall.
			this
				.sql`INSERT OR IGNORE INTO wall (id, participant_id, text_hans, text_hant, display_name, region, state, created_at)
				SELECT ${b.id}, ${b.participantId}, ${b.hans}, ${b.hant}, ${b.displayName}, ${b.region}, ${b.state}, ${b.createdAt}
				WHERE NOT EXISTS (SELECT 1 FROM erased_participants WHERE participant_id = ${b.participantId})`;
		}
		this.sql`DELETE FROM wall WHERE state = 'published' AND id IN (
			SELECT id FROM wall WHERE state = 'published' ORDER BY created_at DESC, id DESC LIMIT -1 OFFSET ${WALL_WINDOW})`;
	}

	private async ensureWatching(): Promise<void> {
		const watchAt = this.watch.watchAt();
		if (watchAt !== null && (await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(watchAt);
	}

	/** While snapshots arrive, the alarm pulls any aggregator that has gone quiet. */
	override async alarm(): Promise<void> {
		try {
			if (this.watch.due) await this.pullQuietAggregators();
		} catch (error) {
			console.error("pulling quiet aggregators failed", error);
		}
		const watchAt = this.watch.watchAt();
		if (watchAt !== null) await this.ctx.storage.setAlarm(watchAt);
	}

	private aggregatorIdentities(config: CeremonyConfig): AggregatorIdentity[] {
		return Array.from({ length: aggregatorCount(config.shardCount) }, (_, aggregatorIndex) => ({
			year: config.year,
			shardCount: config.shardCount,
			aggregatorIndex,
		}));
	}

	private aggregatorStub(year: number, index: number) {
		return this.env.AGGREGATOR.getByName(aggregatorName(year, index));
	}

	private async pullQuietAggregators(): Promise<void> {
		const config = this.config();
		if (!config) return;
		const held = new Map(this.merge.held().map((c) => [c.child, c]));
		const quiet = this.watch.quiet(
			this.aggregatorIdentities(config).map((id) => id.aggregatorIndex),
			(child) => held.get(child)?.receivedAt ?? 0,
		);
		await Promise.all(
			quiet.map(async (index) => {
				const id = { year: config.year, shardCount: config.shardCount, aggregatorIndex: index };
				const outcome = await this.aggregatorStub(config.year, index).pullSnapshot(id, held.get(index)?.version ?? 0);
				if (outcome.kind === "snapshot") await this.applyAggregate(id, outcome.snapshot);
			}),
		);
	}

	private shardStub(year: number, index: number) {
		return this.env.SHARD.getByName(shardName(year, index));
	}

	private identities(config: CeremonyConfig): ShardIdentity[] {
		return Array.from({ length: config.shardCount }, (_, shardIndex) => ({
			year: config.year,
			shardCount: config.shardCount,
			shardIndex,
		}));
	}

	// ---- reads ----

	private sumSnapshots() {
		return this.merge.tally();
	}

	/** Reads answered for the Worker's public endpoints; the edge cache keeps this low. */
	publicReads = 0;

	async stats(year: number): Promise<Stats> {
		this.publicReads++;
		return this.currentStats(year);
	}

	async regions(year: number): Promise<RegionsStats> {
		this.publicReads++;
		return this.currentRegions(year);
	}

	private async currentStats(year: number): Promise<Stats> {
		const frozen = this.sql<{ final_stats: string | null }>`SELECT final_stats FROM ceremony_state WHERE id = 1`[0]
			?.final_stats;
		if (frozen) return JSON.parse(frozen) as Stats;
		const sum = this.sumSnapshots();
		const countries = this.merge.regions().filter((r) => r.region !== UNKNOWN_REGION && r.participants > 0).length;
		return {
			year,
			participants: sum.participants,
			actions: sum.actions,
			blessingsPublished: sum.blessingsPublished,
			countries,
			final: false,
			updatedAt: sum.takenAt === null ? null : new Date(sum.takenAt).toISOString(),
		};
	}

	private async currentRegions(year: number): Promise<RegionsStats> {
		const frozen = this.sql<{ final_regions: string | null }>`SELECT final_regions FROM ceremony_state WHERE id = 1`[0]
			?.final_regions;
		if (frozen) return JSON.parse(frozen) as RegionsStats;
		const rows = this.merge.regions();
		const takenAt = this.sumSnapshots().takenAt;
		return {
			year,
			regions: rows.map((r) => ({
				region: r.region,
				participants: r.participants,
				actions: { flower: r.flower, incense: r.incense, bow: r.bow, blessing: r.blessing },
			})),
			final: false,
			updatedAt: takenAt === null ? null : new Date(takenAt).toISOString(),
		};
	}

	async timeseries(year: number, interval: Interval, from: number, to: number): Promise<Timeseries> {
		this.publicReads++;
		const width = interval === "1h" ? 3_600_000 : 60_000;
		const points = new Map<number, ActionCounts>();
		for (const row of this.merge.series(width, from, to)) {
			const point = points.get(row.minute) ?? zeroCounts();
			point[row.type] = row.n;
			points.set(row.minute, point);
		}
		const closed = this.config()?.closedAt != null;
		return {
			year,
			interval,
			points: [...points].map(([at, actions]) => ({ at: new Date(at).toISOString(), actions })),
			final: closed,
		};
	}

	private wallPage(state: string, minReports: number, limit: number, cursor: string | undefined): WallRow[] {
		const [at, id] = cursor
			? [Number(cursor.slice(0, cursor.indexOf("_"))), cursor.slice(cursor.indexOf("_") + 1)]
			: [Number.MAX_SAFE_INTEGER, "~"];
		return this.sql<WallRow>`SELECT * FROM wall WHERE state = ${state} AND reports >= ${minReports}
			AND (created_at < ${at} OR (created_at = ${at} AND id < ${id}))
			ORDER BY created_at DESC, id DESC LIMIT ${limit + 1}`;
	}

	private nextCursor(rows: WallRow[], limit: number): string | null {
		const last = rows[limit - 1];
		return rows.length > limit && last ? `${last.created_at}_${last.id}` : null;
	}

	private presentBlessing(r: WallRow): Blessing {
		return {
			id: r.id,
			text: { "zh-Hans": r.text_hans, "zh-Hant": r.text_hant },
			displayName: r.display_name,
			region: r.region,
			createdAt: new Date(r.created_at).toISOString(),
		};
	}

	async blessings(limit: number, cursor: string | undefined): Promise<BlessingPage> {
		this.publicReads++;
		const rows = this.wallPage("published", 0, limit, cursor);
		return {
			items: rows.slice(0, limit).map((r) => this.presentBlessing(r)),
			nextCursor: this.nextCursor(rows, limit),
		};
	}

	/** Counts a report of a published blessing once per participant and once per address /64 in a day. */
	async report(
		blessingId: string,
		participantId: string,
		reason: string | null,
		addressKey?: string,
	): Promise<ReportOutcome> {
		if (this.sql`SELECT 1 FROM wall WHERE id = ${blessingId} AND state = 'published'`.length === 0) return "not-found";
		if (
			this.sql`SELECT 1 FROM blessing_reports WHERE blessing_id = ${blessingId} AND participant_id = ${participantId}`
				.length > 0
		)
			return "already-reported";
		// A Worker of the previous release sends no address key (see docs/OPERATIONS.md on gradual deploys).
		if (addressKey !== undefined) {
			const now = Date.now();
			this.sql`DELETE FROM report_addresses WHERE at < ${now - REPORT_ADDRESS_WINDOW_MS}`;
			const fromAddress = this.sql<{ blessing_id: string }>`INSERT OR IGNORE INTO report_addresses
				(blessing_id, address_key, at) VALUES (${blessingId}, ${addressKey}, ${now}) RETURNING blessing_id`;
			if (fromAddress.length === 0) return "already-reported";
		}
		const inserted = this.sql<{
			blessing_id: string;
		}>`INSERT OR IGNORE INTO blessing_reports (blessing_id, participant_id, at, reason)
			VALUES (${blessingId}, ${participantId}, ${Date.now()}, ${reason}) RETURNING blessing_id`;
		if (inserted.length === 0) return "already-reported";
		this.sql`UPDATE wall SET reports = reports + 1 WHERE id = ${blessingId}`;
		this.scheduleBroadcast();
		return "reported";
	}

	// ---- moderation ----

	private presentModerated(r: WallRow): ModeratedBlessing {
		return {
			...this.presentBlessing(r),
			state: r.state as ModeratedBlessing["state"],
			reports: r.reports,
			moderatedBy: r.moderated_by,
			moderatedAt: r.moderated_at === null ? null : new Date(r.moderated_at).toISOString(),
		};
	}

	/** The moderation queue: held blessings, reported ones still published, or hidden ones; newest first. */
	async moderationQueue(
		state: QueueState,
		limit: number,
		cursor: string | undefined,
	): Promise<{ items: ModeratedBlessing[]; nextCursor: string | null }> {
		const [wallState, minReports] = state === "reported" ? ["published", 1] : [state, 0];
		const rows = this.wallPage(wallState, minReports, limit, cursor);
		return {
			items: rows.slice(0, limit).map((r) => this.presentModerated(r)),
			nextCursor: this.nextCursor(rows, limit),
		};
	}

	/** Hides or restores (publishes) a blessing: in its shard's log first, then on the wall. */
	async moderate(
		year: number,
		blessingId: string,
		action: "hide" | "restore",
		member: string,
	): Promise<ModerationOutcome> {
		const config = this.config();
		const row = this.sql<WallRow>`SELECT * FROM wall WHERE id = ${blessingId}`[0];
		const ref = parseActionId(blessingId);
		if (!config || !row || !ref || row.state === "erased" || ref.shardIndex >= config.shardCount)
			return { kind: "not-found" };
		const state = action === "hide" ? "hidden" : "published";
		const identity = { year, shardCount: config.shardCount, shardIndex: ref.shardIndex };
		const applied = await this.shardStub(year, ref.shardIndex).setBlessingState(identity, ref.seq, state);
		if (applied.kind === "wrong-shard") throw new Error(applied.detail);
		if (applied.kind === "not-found") return { kind: "not-found" };
		const now = Date.now();
		this
			.sql`UPDATE wall SET state = ${state}, moderated_by = ${member}, moderated_at = ${now} WHERE id = ${blessingId}`;
		console.log(`blessing ${blessingId} ${action === "hide" ? "hidden" : "restored"} by ${member}`);
		this.scheduleBroadcast();
		const updated = this.sql<WallRow>`SELECT * FROM wall WHERE id = ${blessingId}`[0] as WallRow;
		return { kind: "moderated", entry: this.presentModerated(updated) };
	}

	// ---- display names under review ----

	/** A display name the word list held: it waits in the queue, shown nowhere, until a member decides. */
	async holdName(participantId: string, shardIndex: number, displayName: string): Promise<void> {
		this.sql`INSERT OR REPLACE INTO names (participant_id, shard, display_name, state, created_at)
			VALUES (${participantId}, ${shardIndex}, ${displayName}, 'held', ${Date.now()})`;
		this.scheduleBroadcast();
	}

	/** The participant replaced or cleared a name under review: it leaves the queue. */
	async releaseName(participantId: string): Promise<void> {
		this.sql`DELETE FROM names WHERE participant_id = ${participantId}`;
		this.scheduleBroadcast();
	}

	private presentName(r: NameRow | (Omit<NameRow, "state"> & { state: "published" })): NameUnderReview {
		return {
			participantId: r.participant_id,
			displayName: r.display_name,
			state: r.state,
			createdAt: new Date(r.created_at).toISOString(),
			moderatedBy: r.moderated_by,
			moderatedAt: r.moderated_at === null ? null : new Date(r.moderated_at).toISOString(),
		};
	}

	/** Held or hidden display names, newest first. */
	async nameQueue(
		state: "held" | "hidden",
		limit: number,
		cursor: string | undefined,
	): Promise<{ items: NameUnderReview[]; nextCursor: string | null }> {
		const [at, id] = cursor
			? [Number(cursor.slice(0, cursor.indexOf("_"))), cursor.slice(cursor.indexOf("_") + 1)]
			: [Number.MAX_SAFE_INTEGER, "~"];
		const rows = this.sql<NameRow>`SELECT * FROM names WHERE state = ${state}
			AND (created_at < ${at} OR (created_at = ${at} AND participant_id < ${id}))
			ORDER BY created_at DESC, participant_id DESC LIMIT ${limit + 1}`;
		const last = rows[limit - 1];
		return {
			items: rows.slice(0, limit).map((r) => this.presentName(r)),
			nextCursor: rows.length > limit && last ? `${last.created_at}_${last.participant_id}` : null,
		};
	}

	/** Publishes (restore) or hides a display name: in its shard first, then here and on the wall. */
	async moderateName(
		year: number,
		participantId: string,
		action: "hide" | "restore",
		member: string,
	): Promise<NameModerationOutcome> {
		const config = this.config();
		const row = this.sql<NameRow>`SELECT * FROM names WHERE participant_id = ${participantId}`[0];
		if (!config || !row || row.shard >= config.shardCount) return { kind: "not-found" };
		const identity = { year, shardCount: config.shardCount, shardIndex: row.shard };
		const state = action === "hide" ? "hidden" : "published";
		const named = await this.shardStub(year, row.shard).setNameState(identity, participantId, state);
		if (named.kind === "wrong-shard") throw new Error(named.detail);
		if (named.kind === "not-found") {
			this.sql`DELETE FROM names WHERE participant_id = ${participantId}`;
			return { kind: "not-found" };
		}
		const name = named.displayName;
		const now = Date.now();
		console.log(`display name of ${participantId} ${action === "hide" ? "hidden" : "published"} by ${member}`);
		this.scheduleBroadcast();
		if (state === "published") {
			this.sql`DELETE FROM names WHERE participant_id = ${participantId}`;
			// Blessings sent while the name was held went out without it.
			this.sql`UPDATE wall SET display_name = ${name} WHERE participant_id = ${participantId} AND display_name IS NULL`;
			return {
				kind: "moderated",
				entry: this.presentName({ ...row, display_name: name, state, moderated_by: member, moderated_at: now }),
			};
		}
		this.sql`UPDATE names SET state = 'hidden', display_name = ${name}, moderated_by = ${member}, moderated_at = ${now}
			WHERE participant_id = ${participantId}`;
		return {
			kind: "moderated",
			entry: this.presentName({ ...row, display_name: name, state: "hidden", moderated_by: member, moderated_at: now }),
		};
	}

	/** Removes an erased participant's blessings from the wall and its reports. */
	async eraseParticipant(participantId: string): Promise<number> {
		this.sql`INSERT OR IGNORE INTO erased_participants (participant_id) VALUES (${participantId})`;
		this.sql`DELETE FROM names WHERE participant_id = ${participantId}`;
		const removed = this.sql<{ id: string }>`DELETE FROM wall WHERE participant_id = ${participantId} RETURNING id`;
		for (const { id } of removed) {
			this.sql`DELETE FROM blessing_reports WHERE blessing_id = ${id}`;
			this.sql`DELETE FROM report_addresses WHERE blessing_id = ${id}`;
		}
		this.sql`DELETE FROM blessing_reports WHERE participant_id = ${participantId}`;
		if (removed.length > 0) this.scheduleBroadcast();
		return removed.length;
	}

	// ---- the committee's live socket ----

	private broadcastTimer: ReturnType<typeof setTimeout> | null = null;
	private lastBroadcastAt = 0;
	private changedAt: number | null = null;
	private rateSamples: Array<{ at: number; total: number }> = [];

	/**
	 * Only the live URL arrives by fetch; the Worker has authenticated the committee member. Without
	 * an upgrade it answers the socket's first message once, for programs that poll.
	 */
	override async fetch(request: Request): Promise<Response> {
		const member = request.headers.get("x-committee-member") ?? "unknown";
		const nonce = request.headers.get("x-ticket-nonce");
		if (nonce) {
			const now = Date.now();
			this.sql`DELETE FROM used_tickets WHERE expires_at < ${now}`;
			const expiresAt = Number(request.headers.get("x-ticket-expires") ?? now + TICKET_TTL_MS);
			const fresh = this
				.sql`INSERT OR IGNORE INTO used_tickets (nonce, expires_at) VALUES (${nonce}, ${expiresAt}) RETURNING nonce`;
			if (fresh.length === 0) {
				return problemResponse(
					new Problem(401, "unauthorized", "Authentication required", "This ticket has been used.").body,
				);
			}
		}
		if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
			return Response.json(await this.liveMessage(), { headers: { "cache-control": "no-store" } });
		}
		const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
		this.ctx.acceptWebSocket(server);
		const message = await this.liveMessage();
		this.deliver(server, JSON.stringify(message), this.digestOf(message), { member, connectedAt: Date.now() });
		return new Response(null, { status: 101, webSocket: client });
	}

	override async webSocketMessage(ws: WebSocket, raw: string | ArrayBuffer): Promise<void> {
		let parsed: unknown = null;
		try {
			parsed = typeof raw === "string" && raw.length <= 1024 ? JSON.parse(raw) : null;
		} catch {
			parsed = null;
		}
		const message = LiveClientMessage.safeParse(parsed);
		if (!message.success) {
			ws.send(
				JSON.stringify({
					type: "error",
					problem: new Problem(400, "validation", "Unknown message", 'Send {"type":"ping"}.').body,
				}),
			);
			return;
		}
		const pong: LivePong = {
			type: "pong",
			at: new Date().toISOString(),
			changedAt: this.changedAt === null ? null : new Date(this.changedAt).toISOString(),
		};
		ws.send(JSON.stringify(pong));
	}

	override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
		try {
			ws.close(code, reason);
		} catch {
			// already closed
		}
	}

	/** At most one broadcast a second, and only while someone is watching. */
	private scheduleBroadcast(): void {
		this.changedAt = Date.now();
		if (this.broadcastTimer || this.ctx.getWebSockets().length === 0) return;
		const wait = Math.max(0, this.lastBroadcastAt + 1000 - Date.now());
		this.broadcastTimer = setTimeout(() => {
			this.broadcastTimer = null;
			void this.broadcast();
		}, wait);
	}

	/** Sends the totals to every socket that has not seen them yet; nothing when nothing changed. */
	async broadcast(): Promise<number> {
		this.lastBroadcastAt = Date.now();
		const message = await this.liveMessage();
		const digest = this.digestOf(message);
		const text = JSON.stringify(message);
		let sent = 0;
		for (const ws of this.ctx.getWebSockets()) {
			const attachment = ws.deserializeAttachment() as SocketAttachment | null;
			if (attachment?.lastDigest === digest) continue;
			if (this.deliver(ws, text, digest, attachment ?? { member: "unknown", connectedAt: Date.now() })) sent++;
		}
		return sent;
	}

	/** Sends the figures and records, in the socket's attachment, that it has seen them. */
	private deliver(ws: WebSocket, text: string, digest: string, who: Omit<SocketAttachment, "lastDigest">): boolean {
		try {
			ws.send(text);
			ws.serializeAttachment({ ...who, lastDigest: digest } satisfies SocketAttachment);
			return true;
		} catch {
			return false; // a socket closing under us
		}
	}

	/** What the figures are, leaving out what moves with time alone (ages, the time of sending). */
	private digestOf(message: LiveTotals): string {
		return JSON.stringify([
			message.stats.participants,
			message.stats.actions,
			message.stats.blessingsPublished,
			message.stats.final,
			message.shards.map((s) => [s.shardIndex, s.version, s.sealed]),
			message.queue,
		]);
	}

	private async liveMessage(): Promise<LiveTotals> {
		const year = this.config()?.year ?? 0;
		const now = Date.now();
		const stats = await this.currentStats(year);
		const total = stats.actions.flower + stats.actions.incense + stats.actions.bow + stats.actions.blessing;
		this.rateSamples = [...this.rateSamples.filter((s) => now - s.at <= 10_000), { at: now, total }];
		const oldest = this.rateSamples[0] as { at: number; total: number };
		const ratePerSecond = now - oldest.at >= 1000 ? ((total - oldest.total) * 1000) / (now - oldest.at) : 0;
		const regions = (await this.currentRegions(year)).regions;
		const known = regions.filter((r) => r.region !== "XX").reduce((n, r) => n + r.participants, 0);
		const overseas = regions.filter((r) => isOverseas(r.region)).reduce((n, r) => n + r.participants, 0);
		const queue = this.sql<{ held: number; reported: number }>`
			SELECT coalesce(sum(state = 'held'), 0) AS held, coalesce(sum(state = 'published' AND reports > 0), 0) AS reported FROM wall`[0];
		return {
			type: "totals",
			at: new Date(now).toISOString(),
			stats,
			ratePerSecond: Math.round(ratePerSecond * 10) / 10,
			regions: regions.slice(0, 20).map((r) => ({ region: r.region, participants: r.participants })),
			overseasShare: known === 0 ? 0 : overseas / known,
			shards: this.merge.shards().map((r) => ({
				shardIndex: r.shardIndex,
				version: r.version,
				takenAt: new Date(r.takenAt).toISOString(),
				receivedAt: new Date(r.receivedAt).toISOString(),
				ageMs: Math.max(0, now - r.takenAt),
				lagMs: Math.max(0, r.receivedAt - r.takenAt),
				participants: r.participants,
				actions: r.actions,
				sealed: r.sealed,
			})),
			queue: { held: queue?.held ?? 0, reported: queue?.reported ?? 0 },
		};
	}

	// ---- audit and close ----

	/** Recounts every shard's log, pulls every shard's snapshot, and compares both with the totals. */
	async audit(year: number): Promise<CeremonyAudit | null> {
		const config = this.config();
		if (!config) return null;
		const shards = await Promise.all(
			this.identities(config).map(async (id) => {
				const outcome = await this.shardStub(year, id.shardIndex).audit(id);
				if (outcome.kind === "wrong-shard") throw new Error(outcome.detail);
				return outcome.audit;
			}),
		);
		await Promise.all(
			this.aggregatorIdentities(config).map(async (id) => {
				const outcome = await this.aggregatorStub(year, id.aggregatorIndex).refresh(id);
				if (outcome.kind === "snapshot") await this.applyAggregate(id, outcome.snapshot);
			}),
		);
		const recount = { participants: 0, actions: zeroCounts(), blessingsPublished: 0 };
		for (const shard of shards) {
			recount.participants += shard.recount.participants;
			recount.blessingsPublished += shard.recount.blessingsPublished;
			for (const type of ACTION_TYPES) recount.actions[type] += shard.recount.actions[type];
		}
		const stats = await this.currentStats(year);
		const totals = {
			participants: stats.participants,
			actions: stats.actions,
			blessingsPublished: stats.blessingsPublished,
		};
		const leased =
			this.sql<{ n: number }>`SELECT coalesce(sum(end - start), 0) AS n FROM certificate_leases`[0]?.n ?? 0;
		return {
			year,
			match: shards.every((s) => s.match) && JSON.stringify(recount) === JSON.stringify(totals),
			recount,
			totals,
			shards,
			certificatesLeased: leased,
		};
	}

	/** Seals every shard, applies their final snapshots, then freezes the totals. */
	async close(year: number): Promise<CloseOutcome> {
		const config = this.config();
		if (!config) return { kind: "not-found" };
		if (config.closedAt === null) {
			const finals = await Promise.all(
				this.aggregatorIdentities(config).map(async (id) => ({
					id,
					outcome: await this.aggregatorStub(year, id.aggregatorIndex).seal(id),
				})),
			);
			for (const { id, outcome } of finals) {
				if (outcome.kind !== "snapshot") throw new Error(outcome.detail);
				await this.applyAggregate(id, outcome.snapshot);
			}
			const stats = { ...(await this.currentStats(year)), final: true };
			const regions = { ...(await this.currentRegions(year)), final: true };
			this.saveConfig({ ...config, closedAt: Date.now(), version: config.version + 1 });
			this
				.sql`UPDATE ceremony_state SET final_stats = ${JSON.stringify(stats)}, final_regions = ${JSON.stringify(regions)} WHERE id = 1`;
			this.scheduleBroadcast();
		}
		return { kind: "closed", stats: await this.currentStats(year) };
	}
}
