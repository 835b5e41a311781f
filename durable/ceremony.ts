import { DurableObject } from "cloudflare:workers";
import { applyInput, type CeremonyDefaults, defaultConfig } from "../src/domain/ceremony";
import { shardName } from "../src/domain/shard-routing";
import type { Blessing, BlessingPage } from "../src/schemas/blessing";
import type { CeremonyConfig, CeremonyInput } from "../src/schemas/ceremony";
import { ACTION_TYPES, type ActionCounts, type ActionType, zeroCounts } from "../src/schemas/common";
import type { Interval, RegionsStats, Stats, Timeseries } from "../src/schemas/stats";
import { CEREMONY_SCHEMA } from "./ceremony-schema";
import type { LeasedBlock } from "./certificate-lease";
import type { ShardAudit, ShardIdentity, ShardSnapshot } from "./shard-protocol";
import { migrate, type SqlQuery, sqlOf } from "./sql";

/** Published blessings kept on the wall; every blessing stays in its shard's log. */
const WALL_WINDOW = 10_000;
/** A shard whose snapshot is older than this is pulled while the ceremony is active. */
const STALE_SNAPSHOT_MS = 5_000;
const ACTIVE_FOR_MS = 60_000;
const WATCH_INTERVAL_MS = 2_000;

type SnapshotRow = {
	shard: number;
	version: number;
	taken_at: number;
	received_at: number;
	sealed: number;
	participants: number;
	blessings_published: number;
} & ActionCounts;

type WallRow = {
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
	private lastSnapshotAt = 0;
	private watching = false;

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.sql = sqlOf(ctx.storage);
		migrate(ctx.storage, CEREMONY_SCHEMA);
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
			now >= base.opensAt ||
			this.sql`SELECT 1 FROM shard_snapshots LIMIT 1`.length > 0 ||
			this.sql`SELECT 1 FROM certificate_leases LIMIT 1`.length > 0;
		if (existing && changesShards && hasStarted) return { kind: "shard-count-fixed", config: base };
		const config = existing ? applyInput(base, input) : { ...applyInput(base, input), version: 1 };
		this.saveConfig(config);
		return { kind: "configured", config, created: !existing };
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
	 * Applies a shard's snapshot if it is newer than the one held; an old or repeated one changes
	 * nothing. Minute buckets are absolute, so the totals move by their difference.
	 */
	async applySnapshot(year: number, snapshot: ShardSnapshot): Promise<{ applied: boolean; version: number }> {
		this.lastSnapshotAt = Date.now();
		this.watch();
		const held = this.sql<{
			version: number;
		}>`SELECT version FROM shard_snapshots WHERE shard = ${snapshot.shardIndex}`[0];
		if (held && held.version >= snapshot.version) {
			this.addToWall(snapshot);
			this.sql`UPDATE shard_snapshots SET received_at = ${Date.now()} WHERE shard = ${snapshot.shardIndex}`;
			return { applied: false, version: held.version };
		}
		const s = snapshot;
		this.sql`INSERT OR REPLACE INTO shard_snapshots
			(shard, version, taken_at, received_at, sealed, participants, flower, incense, bow, blessing, blessings_published)
			VALUES (${s.shardIndex}, ${s.version}, ${s.takenAt}, ${Date.now()}, ${s.sealed ? 1 : 0}, ${s.participants},
				${s.actions.flower}, ${s.actions.incense}, ${s.actions.bow}, ${s.actions.blessing}, ${s.blessingsPublished})`;
		for (const r of s.regions) {
			this.sql`INSERT OR REPLACE INTO shard_regions (shard, region, participants, flower, incense, bow, blessing)
				VALUES (${s.shardIndex}, ${r.region}, ${r.participants}, ${r.flower}, ${r.incense}, ${r.bow}, ${r.blessing})`;
		}
		for (const m of s.minutes) {
			const before =
				this.sql<{
					n: number;
				}>`SELECT n FROM shard_minutes WHERE shard = ${s.shardIndex} AND minute = ${m.minute} AND type = ${m.type}`[0]
					?.n ?? 0;
			if (before === m.n) continue;
			this
				.sql`INSERT OR REPLACE INTO shard_minutes (shard, minute, type, n) VALUES (${s.shardIndex}, ${m.minute}, ${m.type}, ${m.n})`;
			this.sql`INSERT INTO minute_totals (minute, type, n) VALUES (${m.minute}, ${m.type}, ${m.n - before})
				ON CONFLICT (minute, type) DO UPDATE SET n = n + excluded.n`;
		}
		this.addToWall(snapshot);
		this.sql`UPDATE ceremony_state SET year = coalesce(year, ${year}) WHERE id = 1`;
		return { applied: true, version: s.version };
	}

	private addToWall(snapshot: ShardSnapshot): void {
		if (snapshot.blessings.length === 0) return;
		for (const b of snapshot.blessings) {
			// Moderation decided here wins over the state the shard knew when it sent the blessing.
			this
				.sql`INSERT OR IGNORE INTO wall (id, participant_id, text_hans, text_hant, display_name, region, state, created_at)
				VALUES (${b.id}, ${b.participantId}, ${b.hans}, ${b.hant}, ${b.displayName}, ${b.region}, ${b.state}, ${b.createdAt})`;
		}
		this.sql`DELETE FROM wall WHERE state = 'published' AND id IN (
			SELECT id FROM wall WHERE state = 'published' ORDER BY created_at DESC, id DESC LIMIT -1 OFFSET ${WALL_WINDOW})`;
	}

	/** While snapshots arrive, an alarm pulls any shard whose snapshot has gone stale. */
	private watch(): void {
		if (this.watching) return;
		this.watching = true;
		void this.ctx.storage.getAlarm().then((at) => {
			if (at === null) return this.ctx.storage.setAlarm(Date.now() + WATCH_INTERVAL_MS);
		});
	}

	override async alarm(): Promise<void> {
		this.watching = false;
		try {
			await this.pullStaleShards();
		} catch (error) {
			console.error("pulling stale shards failed", error);
		}
		if (Date.now() - this.lastSnapshotAt < ACTIVE_FOR_MS) this.watch();
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

	async pullStaleShards(olderThanMs = STALE_SNAPSHOT_MS): Promise<number> {
		const config = this.config();
		if (!config) return 0;
		const received = new Map(
			this.sql<{
				shard: number;
				received_at: number;
				version: number;
			}>`SELECT shard, received_at, version FROM shard_snapshots`.map((r) => [r.shard, r]),
		);
		const now = Date.now();
		const stale = this.identities(config).filter(
			(id) => (received.get(id.shardIndex)?.received_at ?? 0) < now - olderThanMs,
		);
		await Promise.all(
			stale.map(async (id) => {
				const snapshot = await this.shardStub(config.year, id.shardIndex).pullSnapshot(
					id,
					received.get(id.shardIndex)?.version ?? 0,
				);
				if (snapshot.shardIndex === id.shardIndex) await this.applySnapshot(config.year, snapshot);
			}),
		);
		return stale.length;
	}

	// ---- reads ----

	private sumSnapshots() {
		const row = this.sql<{ participants: number; blessings_published: number; taken_at: number | null } & ActionCounts>`
			SELECT coalesce(sum(participants), 0) AS participants, coalesce(sum(flower), 0) AS flower,
				coalesce(sum(incense), 0) AS incense, coalesce(sum(bow), 0) AS bow, coalesce(sum(blessing), 0) AS blessing,
				coalesce(sum(blessings_published), 0) AS blessings_published, max(taken_at) AS taken_at
			FROM shard_snapshots`[0];
		return {
			participants: row?.participants ?? 0,
			actions: {
				flower: row?.flower ?? 0,
				incense: row?.incense ?? 0,
				bow: row?.bow ?? 0,
				blessing: row?.blessing ?? 0,
			},
			blessingsPublished: row?.blessings_published ?? 0,
			takenAt: row?.taken_at ?? null,
		};
	}

	async stats(year: number): Promise<Stats> {
		const frozen = this.sql<{ final_stats: string | null }>`SELECT final_stats FROM ceremony_state WHERE id = 1`[0]
			?.final_stats;
		if (frozen) return JSON.parse(frozen) as Stats;
		const sum = this.sumSnapshots();
		const countries =
			this.sql<{ n: number }>`SELECT count(*) AS n FROM (SELECT region FROM shard_regions WHERE region != 'XX'
				GROUP BY region HAVING sum(participants) > 0)`[0]?.n ?? 0;
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

	async regions(year: number): Promise<RegionsStats> {
		const frozen = this.sql<{ final_regions: string | null }>`SELECT final_regions FROM ceremony_state WHERE id = 1`[0]
			?.final_regions;
		if (frozen) return JSON.parse(frozen) as RegionsStats;
		const rows = this.sql<{ region: string; participants: number } & ActionCounts>`
			SELECT region, sum(participants) AS participants, sum(flower) AS flower, sum(incense) AS incense,
				sum(bow) AS bow, sum(blessing) AS blessing
			FROM shard_regions GROUP BY region ORDER BY participants DESC, region ASC`;
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
		const width = interval === "1h" ? 3_600_000 : 60_000;
		const rows = this.sql<{ bucket: number; type: ActionType; n: number }>`
			SELECT (minute / ${width}) * ${width} AS bucket, type, sum(n) AS n FROM minute_totals
			WHERE minute >= ${from} AND minute < ${to} GROUP BY bucket, type ORDER BY bucket`;
		const points = new Map<number, ActionCounts>();
		for (const row of rows) {
			const point = points.get(row.bucket) ?? zeroCounts();
			point[row.type] = row.n;
			points.set(row.bucket, point);
		}
		const closed = this.config()?.closedAt != null;
		return {
			year,
			interval,
			points: [...points].map(([at, actions]) => ({ at: new Date(at).toISOString(), actions })),
			final: closed,
		};
	}

	async blessings(limit: number, cursor: string | undefined): Promise<BlessingPage> {
		const [at, id] = cursor
			? [Number(cursor.split("_")[0]), cursor.slice(cursor.indexOf("_") + 1)]
			: [Number.MAX_SAFE_INTEGER, "~"];
		const rows = this.sql<WallRow>`SELECT * FROM wall WHERE state = 'published'
			AND (created_at < ${at} OR (created_at = ${at} AND id < ${id}))
			ORDER BY created_at DESC, id DESC LIMIT ${limit + 1}`;
		const items: Blessing[] = rows.slice(0, limit).map((r) => ({
			id: r.id,
			text: { "zh-Hans": r.text_hans, "zh-Hant": r.text_hant },
			displayName: r.display_name,
			region: r.region,
			createdAt: new Date(r.created_at).toISOString(),
		}));
		const last = rows[limit - 1];
		return { items, nextCursor: rows.length > limit && last ? `${last.created_at}_${last.id}` : null };
	}

	async report(blessingId: string, participantId: string, reason: string | null): Promise<ReportOutcome> {
		if (this.sql`SELECT 1 FROM wall WHERE id = ${blessingId} AND state != 'erased'`.length === 0) return "not-found";
		const inserted = this.sql<{
			blessing_id: string;
		}>`INSERT OR IGNORE INTO blessing_reports (blessing_id, participant_id, at, reason)
			VALUES (${blessingId}, ${participantId}, ${Date.now()}, ${reason}) RETURNING blessing_id`;
		if (inserted.length === 0) return "already-reported";
		this.sql`UPDATE wall SET reports = reports + 1 WHERE id = ${blessingId}`;
		return "reported";
	}

	// ---- audit and close ----

	/** Recounts every shard's log, pulls every shard's snapshot, and compares both with the totals. */
	async audit(year: number): Promise<CeremonyAudit | null> {
		const config = this.config();
		if (!config) return null;
		const shards = await Promise.all(
			this.identities(config).map(async (id) => {
				const stub = this.shardStub(year, id.shardIndex);
				const [audit, snapshot] = await Promise.all([stub.audit(id), stub.pullSnapshot(id, 0)]);
				if (snapshot.shardIndex === id.shardIndex) await this.applySnapshot(year, snapshot);
				return audit;
			}),
		);
		const recount = { participants: 0, actions: zeroCounts(), blessingsPublished: 0 };
		for (const shard of shards) {
			recount.participants += shard.recount.participants;
			recount.blessingsPublished += shard.recount.blessingsPublished;
			for (const type of ACTION_TYPES) recount.actions[type] += shard.recount.actions[type];
		}
		const stats = await this.stats(year);
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
				this.identities(config).map((id) => this.shardStub(year, id.shardIndex).seal(id)),
			);
			for (const snapshot of finals) await this.applySnapshot(year, snapshot);
			const stats = { ...(await this.stats(year)), final: true };
			const regions = { ...(await this.regions(year)), final: true };
			this.saveConfig({ ...config, closedAt: Date.now(), version: config.version + 1 });
			this
				.sql`UPDATE ceremony_state SET final_stats = ${JSON.stringify(stats)}, final_regions = ${JSON.stringify(regions)} WHERE id = 1`;
		}
		return { kind: "closed", stats: await this.stats(year) };
	}

	/** Each shard's last snapshot: version, age and counts (the dashboard's shard health). */
	async shardHealth(): Promise<SnapshotRow[]> {
		return this.sql<SnapshotRow>`SELECT * FROM shard_snapshots ORDER BY shard`;
	}
}
