import { ACTION_TYPES, type ActionCounts } from "../src/schemas/common";
import {
	ACTION_COLUMNS,
	actionAggregates,
	actionColumnAggregates,
	actionColumnDefinitions,
	actionColumnList,
	actionColumnsAddedFromExcluded,
	actionColumnsFromExcluded,
	actionColumnsFromJson,
	actionValues,
	countsInColumnOrder,
	countsOf,
} from "./action-columns";
import type { ApplyOutcome, MinuteCount, RegionCounts, ShardStatus, Snapshot } from "./snapshot-protocol";
import { SqlFragment, type SqlQuery } from "./sql";

/**
 * The latest snapshot of every child of a node of the tree (an aggregator's shards, the
 * CeremonyDO's aggregators) and their sum. Idempotent: a snapshot not newer than the one held
 * changes nothing. The node's own version rises with every snapshot it applies, in the same
 * transaction, and marks the merged minute buckets it changed, so the node can send upward only
 * what changed since its parent last confirmed.
 */
export const MERGE_SCHEMA = `
CREATE TABLE IF NOT EXISTS merge_state (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	version INTEGER NOT NULL DEFAULT 0,
	confirmed_version INTEGER NOT NULL DEFAULT 0
);
INSERT OR IGNORE INTO merge_state (id) VALUES (1);
CREATE TABLE IF NOT EXISTS child_snapshots (
	child INTEGER PRIMARY KEY,
	version INTEGER NOT NULL,
	taken_at INTEGER NOT NULL,
	received_at INTEGER NOT NULL,
	sealed INTEGER NOT NULL,
	participants INTEGER NOT NULL,
	${actionColumnDefinitions("INTEGER NOT NULL")},
	blessings_published INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS child_regions (
	child INTEGER NOT NULL, region TEXT NOT NULL,
	participants INTEGER NOT NULL,
	${actionColumnDefinitions("INTEGER NOT NULL")},
	PRIMARY KEY (child, region)
) WITHOUT ROWID;
-- Sum of child_regions over children, kept by the difference each snapshot brings, with the
-- node's version that last changed the row: a node sends upward only the regions changed since its
-- parent confirmed, and reads its sum from here rather than summing every child's regions.
CREATE TABLE IF NOT EXISTS merged_regions (
	region TEXT PRIMARY KEY,
	participants INTEGER NOT NULL,
	${actionColumnDefinitions("INTEGER NOT NULL")},
	version INTEGER NOT NULL
) WITHOUT ROWID;
-- A node created before merged_regions: its sum as of now, under its current version, so its next
-- push sends every region unless the parent has confirmed everything already.
INSERT INTO merged_regions (region, participants, ${ACTION_COLUMNS}, version)
	SELECT region, sum(participants), ${actionColumnAggregates((c) => `sum(${c})`)}, (SELECT version FROM merge_state WHERE id = 1)
	FROM child_regions WHERE NOT EXISTS (SELECT 1 FROM merged_regions) GROUP BY region;
CREATE TABLE IF NOT EXISTS child_minutes (
	child INTEGER NOT NULL, minute INTEGER NOT NULL, type TEXT NOT NULL, n INTEGER NOT NULL,
	PRIMARY KEY (child, minute, type)
) WITHOUT ROWID;
-- Sum of child_minutes over children, kept by the difference each snapshot brings.
CREATE TABLE IF NOT EXISTS merged_minutes (
	minute INTEGER NOT NULL, type TEXT NOT NULL, n INTEGER NOT NULL, version INTEGER NOT NULL,
	PRIMARY KEY (minute, type)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS merged_minutes_by_version ON merged_minutes (version);
CREATE TABLE IF NOT EXISTS shard_status (
	shard INTEGER PRIMARY KEY,
	version INTEGER NOT NULL,
	taken_at INTEGER NOT NULL,
	received_at INTEGER NOT NULL,
	sealed INTEGER NOT NULL,
	participants INTEGER NOT NULL,
	${actionColumnDefinitions("INTEGER NOT NULL")},
	blessings_published INTEGER NOT NULL
);
`;

/** A child region's new counts less those held, column by column, from a `json_each` row. */
const regionDifferences = new SqlFragment(
	ACTION_TYPES.map((t, n) => `(j.value ->> ${2 + n}) - coalesce(c.${t}, 0)`).join(", "),
);
/** Whether a child region's new row differs from the one held. */
const regionChanged = new SqlFragment(
	["participants", ...ACTION_TYPES].map((column, n) => `(j.value ->> ${1 + n}) != c.${column}`).join(" OR "),
);

type CountsRow = { participants: number; blessings_published: number } & ActionCounts;
type ShardStatusRow = {
	shard: number;
	version: number;
	taken_at: number;
	received_at: number;
	sealed: number;
} & CountsRow;

export interface Tally {
	participants: number;
	actions: ActionCounts;
	blessingsPublished: number;
}

export interface HeldChild {
	child: number;
	version: number;
	receivedAt: number;
	sealed: boolean;
}

export class SnapshotMerge {
	constructor(
		private readonly sql: SqlQuery,
		private readonly storage: DurableObjectStorage,
	) {}

	get version(): number {
		return this.sql<{ version: number }>`SELECT version FROM merge_state WHERE id = 1`[0]?.version ?? 0;
	}

	get confirmedVersion(): number {
		return (
			this.sql<{ confirmed_version: number }>`SELECT confirmed_version FROM merge_state WHERE id = 1`[0]
				?.confirmed_version ?? 0
		);
	}

	/** The parent has everything up to `version`. */
	confirm(version: number): void {
		this.sql`UPDATE merge_state SET confirmed_version = max(confirmed_version, ${version}) WHERE id = 1`;
	}

	held(): HeldChild[] {
		return this.sql<{ child: number; version: number; received_at: number; sealed: number }>`
			SELECT child, version, received_at, sealed FROM child_snapshots`.map((r) => ({
			child: r.child,
			version: r.version,
			receivedAt: r.received_at,
			sealed: r.sealed === 1,
		}));
	}

	heldVersion(child: number): number {
		return this.sql<{ version: number }>`SELECT version FROM child_snapshots WHERE child = ${child}`[0]?.version ?? 0;
	}

	/** Applies a child's snapshot if it is newer than the one held. */
	apply(s: Snapshot, now = Date.now()): ApplyOutcome {
		return this.storage.transactionSync(() => {
			const held = this.sql<{ version: number }>`SELECT version FROM child_snapshots WHERE child = ${s.child}`[0];
			// A child that has counted nothing yet has nothing to add.
			if (!held && s.version === 0) return { kind: "not-newer", version: 0 };
			if (held && held.version >= s.version) {
				// The same version again: what the child has is what is held, as of this newer snapshot.
				if (held.version === s.version) {
					this.sql`UPDATE child_snapshots SET taken_at = max(taken_at, ${s.takenAt}), received_at = ${now}
						WHERE child = ${s.child}`;
				}
				return { kind: "not-newer", version: held.version };
			}
			const version = this.version + 1;
			this.sql`INSERT OR REPLACE INTO child_snapshots
				(child, version, taken_at, received_at, sealed, participants, ${actionColumnList}, blessings_published)
				VALUES (${s.child}, ${s.version}, ${s.takenAt}, ${now}, ${s.sealed ? 1 : 0}, ${s.participants},
					${actionValues(s.actions)}, ${s.blessingsPublished})`;
			// Set-based, as the shard's batches are: each table takes the snapshot's rows as one JSON
			// array, so a snapshot costs the same few statements whatever its regions, minutes and shards.
			if (s.regions.length > 0) {
				const regions = JSON.stringify(s.regions.map((r) => [r.region, r.participants, ...countsInColumnOrder(r)]));
				// The merged region moves by what the child's region moved since the snapshot held.
				this.sql`INSERT INTO merged_regions (region, participants, ${actionColumnList}, version)
					SELECT j.value ->> 0, (j.value ->> 1) - coalesce(c.participants, 0), ${regionDifferences}, ${version}
					FROM json_each(${regions}) j
					LEFT JOIN child_regions c ON c.child = ${s.child} AND c.region = j.value ->> 0
					WHERE c.region IS NULL OR ${regionChanged}
					ON CONFLICT (region) DO UPDATE SET participants = participants + excluded.participants,
						${actionColumnsAddedFromExcluded}, version = excluded.version`;
				this.sql`INSERT OR REPLACE INTO child_regions (child, region, participants, ${actionColumnList})
					SELECT ${s.child}, value ->> 0, value ->> 1, ${actionColumnsFromJson(2)} FROM json_each(${regions})`;
			}
			if (s.minutes.length > 0) {
				const minutes = JSON.stringify(s.minutes.map((m) => [m.minute, m.type, m.n]));
				// The merged bucket moves by what the child's bucket moved since the snapshot held.
				this.sql`INSERT INTO merged_minutes (minute, type, n, version)
					SELECT j.value ->> 0, j.value ->> 1, (j.value ->> 2) - coalesce(c.n, 0), ${version}
					FROM json_each(${minutes}) j
					LEFT JOIN child_minutes c ON c.child = ${s.child} AND c.minute = j.value ->> 0 AND c.type = j.value ->> 1
					WHERE (j.value ->> 2) != coalesce(c.n, 0)
					ON CONFLICT (minute, type) DO UPDATE SET n = n + excluded.n, version = excluded.version`;
				this.sql`INSERT OR REPLACE INTO child_minutes (child, minute, type, n)
					SELECT ${s.child}, value ->> 0, value ->> 1, value ->> 2 FROM json_each(${minutes})`;
			}
			if (s.shards.length > 0) {
				const shards = s.shards.map((st) => [
					st.shardIndex,
					st.version,
					st.takenAt,
					st.receivedAt,
					st.sealed ? 1 : 0,
					st.participants,
					st.blessingsPublished,
					...countsInColumnOrder(st.actions),
				]);
				this.sql`INSERT INTO shard_status
					(shard, version, taken_at, received_at, sealed, participants, blessings_published, ${actionColumnList})
					SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6,
						${actionColumnsFromJson(7)} FROM json_each(${JSON.stringify(shards)}) WHERE true
					ON CONFLICT (shard) DO UPDATE SET version = excluded.version, taken_at = excluded.taken_at,
						received_at = excluded.received_at, sealed = excluded.sealed, participants = excluded.participants,
						${actionColumnsFromExcluded}, blessings_published = excluded.blessings_published
					WHERE excluded.version >= shard_status.version`;
			}
			this.sql`UPDATE merge_state SET version = ${version} WHERE id = 1`;
			return { kind: "applied", version: s.version };
		});
	}

	/** The sum of the children's counters, and the time of the newest snapshot among them. */
	tally(): Tally & { takenAt: number | null } {
		const row = this.sql<CountsRow & { taken_at: number | null }>`
			SELECT coalesce(sum(participants), 0) AS participants, ${actionAggregates((c) => `coalesce(sum(${c}), 0)`)},
				coalesce(sum(blessings_published), 0) AS blessings_published, max(taken_at) AS taken_at
			FROM child_snapshots`[0];
		return {
			participants: row?.participants ?? 0,
			actions: countsOf(row),
			blessingsPublished: row?.blessings_published ?? 0,
			takenAt: row?.taken_at ?? null,
		};
	}

	/**
	 * Per region, summed over the children, most participants first: every region, or those changed
	 * after `sinceVersion` (what a push upward carries), each whole.
	 */
	regions(sinceVersion = 0): RegionCounts[] {
		return this.sql<RegionCounts>`
			SELECT region, participants, ${actionColumnList} FROM merged_regions WHERE version > ${sinceVersion}
			ORDER BY participants DESC, region ASC`;
	}

	/** Merged minute buckets changed after `sinceVersion` (all of them with 0). */
	minutesSince(sinceVersion: number): MinuteCount[] {
		return this.sql<MinuteCount>`SELECT minute, type, n FROM merged_minutes WHERE version > ${sinceVersion}`;
	}

	/** Merged counts per bucket of `width` ms in [from, to). */
	series(width: number, from: number, to: number): MinuteCount[] {
		return this.sql<MinuteCount>`
			SELECT minute - (minute % ${width}) AS minute, type, sum(n) AS n FROM merged_minutes
			WHERE minute >= ${from} AND minute < ${to} GROUP BY 1, 2 ORDER BY 1`;
	}

	shards(): ShardStatus[] {
		return this.sql<ShardStatusRow>`SELECT * FROM shard_status ORDER BY shard`.map((r) => ({
			shardIndex: r.shard,
			version: r.version,
			takenAt: r.taken_at,
			receivedAt: r.received_at,
			sealed: r.sealed === 1,
			participants: r.participants,
			actions: countsOf(r),
			blessingsPublished: r.blessings_published,
		}));
	}

	get hasChildren(): boolean {
		return this.sql`SELECT 1 FROM child_snapshots LIMIT 1`.length > 0;
	}
}
