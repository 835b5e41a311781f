import { actionId, parseActionId } from "../src/domain/shard-routing";
import { ACTION_TYPES, type ActionCounts, zeroCounts } from "../src/schemas/common";
import type { ShardCounters } from "./shard-counters";
import type { BlessingState, MinuteCount, RegionCounts, ShardSnapshot, WallEntry } from "./shard-protocol";
import type { ShardState, ShardStateRow } from "./shard-state";
import type { SqlQuery } from "./sql";

/** New published blessings sent per snapshot: the public wall is a recent sample, the log keeps all. */
const WALL_SAMPLE_PER_SNAPSHOT = 20;
/** Held blessings sent per snapshot: all reach the moderation queue, oldest first. */
const HELD_PER_SNAPSHOT = 50;

/** The shard's absolute counters as a snapshot for its aggregator, and the cursors of what it confirmed. */
export class ShardSnapshots {
	constructor(
		private readonly sql: SqlQuery,
		private readonly state: ShardState,
		private readonly counters: ShardCounters,
	) {}

	/**
	 * The absolute counters, with the regions and minute buckets changed after `sinceVersion` (or
	 * after the version the aggregator confirmed, if older): the aggregator keeps the rest. A region
	 * goes whole, every metric of it, since the aggregator replaces a child's region row. From 0,
	 * every region goes: rows of a shard created before regions had versions have version 0.
	 */
	take(sinceVersion = 0): ShardSnapshot {
		this.counters.fold();
		const state = this.state.read();
		const since = Math.min(sinceVersion, state.confirmed_version);
		const totals = new Map(
			this.sql<{ metric: string; n: number }>`SELECT metric, n FROM totals`.map((r) => [r.metric, r.n]),
		);
		const actions = zeroCounts();
		for (const type of ACTION_TYPES) actions[type] = totals.get(type) ?? 0;
		const regions = new Map<string, RegionCounts>();
		for (const row of this.sql<{
			region: string;
			metric: string;
			n: number;
		}>`SELECT region, metric, n FROM region_counts
			WHERE ${since} = 0 OR region IN (SELECT region FROM region_counts WHERE version > ${since})`) {
			const entry = regions.get(row.region) ?? { region: row.region, participants: 0, ...zeroCounts() };
			entry[row.metric as keyof ActionCounts | "participants"] = row.n;
			regions.set(row.region, entry);
		}
		const now = Date.now();
		const counts = {
			version: state.version,
			takenAt: now,
			sealed: state.sealed === 1,
			participants: totals.get("participants") ?? 0,
			actions,
			blessingsPublished: totals.get("blessings_published") ?? 0,
		};
		const shardIndex = state.shard_index ?? -1;
		return {
			child: shardIndex,
			...counts,
			regions: [...regions.values()],
			minutes: this.sql<MinuteCount>`SELECT minute, type, n FROM minute_counts
				WHERE version > ${since}`,
			blessings: this.newBlessings(state),
			shards: [{ shardIndex, receivedAt: now, ...counts }],
		};
	}

	private newBlessings(state: ShardStateRow): WallEntry[] {
		type Row = {
			seq: number;
			participant_id: string;
			text_hans: string;
			text_hant: string;
			state: BlessingState;
			at: number;
			display_name: string | null;
			region: string | null;
		};
		// A name under review goes out as no name: the wall shows the anonymous label.
		const published = this
			.sql<Row>`SELECT b.*, CASE WHEN n.state IS NULL THEN p.display_name END AS display_name, p.region
			FROM blessings b JOIN participants p ON p.id = b.participant_id LEFT JOIN name_reviews n ON n.participant_id = b.participant_id
			WHERE b.seq > ${state.confirmed_published_seq} AND b.state = 'published' ORDER BY b.seq DESC LIMIT ${WALL_SAMPLE_PER_SNAPSHOT}`;
		const held = this.sql<Row>`SELECT b.*, CASE WHEN n.state IS NULL THEN p.display_name END AS display_name, p.region
			FROM blessings b JOIN participants p ON p.id = b.participant_id LEFT JOIN name_reviews n ON n.participant_id = b.participant_id
			WHERE b.seq > ${state.confirmed_held_seq} AND b.state = 'held' ORDER BY b.seq ASC LIMIT ${HELD_PER_SNAPSHOT}`;
		const shardIndex = state.shard_index ?? 0;
		return [...published, ...held].map((row) => ({
			id: actionId(shardIndex, row.seq),
			participantId: row.participant_id,
			hans: row.text_hans,
			hant: row.text_hant,
			displayName: row.display_name,
			region: row.region,
			state: row.state,
			createdAt: row.at,
		}));
	}

	/** The aggregator has this snapshot: its version and blessings are not sent again. */
	confirm(snapshot: ShardSnapshot): void {
		const state = this.state.read();
		const seqOf = (b: WallEntry) => parseActionId(b.id)?.seq ?? 0;
		const newest = (kind: BlessingState, since: number) =>
			Math.max(since, ...snapshot.blessings.filter((b) => b.state === kind).map(seqOf));
		this.state.confirmed(
			snapshot.version,
			newest("published", state.confirmed_published_seq),
			newest("held", state.confirmed_held_seq),
		);
	}

	get hasUnsentWork(): boolean {
		const state = this.state.read();
		if (state.version > state.confirmed_version) return true;
		return (
			this.sql`SELECT 1 FROM blessings WHERE (state = 'held' AND seq > ${state.confirmed_held_seq}) LIMIT 1`.length > 0
		);
	}
}
