import { type ActionType, zeroCounts } from "../src/schemas/common";
import type { MinuteCount, RegionCounts, ShardAudit, ShardRecount } from "./shard-protocol";
import type { ShardSnapshots } from "./shard-snapshots";
import type { ShardState } from "./shard-state";
import type { SqlQuery } from "./sql";

/** Recounts the shard's durable action log and compares it with its counters. */
export class ShardAuditor {
	constructor(
		private readonly sql: SqlQuery,
		private readonly state: ShardState,
		private readonly snapshots: ShardSnapshots,
	) {}

	/** The recount per region and per minute, for the CeremonyDO to compare with what the tree holds. */
	recount(): ShardRecount {
		const regions = new Map<string, RegionCounts>();
		const entry = (region: string) => {
			const found = regions.get(region) ?? { region, participants: 0, ...zeroCounts() };
			regions.set(region, found);
			return found;
		};
		for (const row of this.sql<{ region: string; type: ActionType; n: number }>`
			SELECT region, type, count(*) AS n FROM actions WHERE counted = 1 GROUP BY region, type`) {
			entry(row.region)[row.type] = row.n;
		}
		for (const row of this.sql<{ region: string; n: number }>`
			SELECT region, count(*) AS n FROM participants WHERE first_counted_at IS NOT NULL GROUP BY region`) {
			entry(row.region).participants = row.n;
		}
		const minutes = this.sql<MinuteCount>`
			SELECT (at / 60000) * 60000 AS minute, type, count(*) AS n FROM actions WHERE counted = 1 GROUP BY 1, 2`;
		return { regions: [...regions.values()], minutes };
	}

	audit(): ShardAudit {
		const state = this.state.read();
		const recountActions = zeroCounts();
		for (const row of this.sql<{
			type: ActionType;
			n: number;
		}>`SELECT type, count(*) AS n FROM actions WHERE counted = 1 GROUP BY type`) {
			recountActions[row.type] = row.n;
		}
		const recountParticipants =
			this.sql<{ n: number }>`SELECT count(DISTINCT participant_id) AS n FROM actions WHERE counted = 1`[0]?.n ?? 0;
		const recountPublished =
			this.sql<{ n: number }>`SELECT count(*) AS n FROM blessings WHERE state = 'published'`[0]?.n ?? 0;
		const snapshot = this.snapshots.take(0);
		const regionsMismatch =
			this.sql<{ n: number }>`
			WITH recount AS (
				SELECT region, type AS metric, count(*) AS n FROM actions WHERE counted = 1 GROUP BY region, type
				UNION ALL
				SELECT region, 'participants', count(*) FROM participants WHERE first_counted_at IS NOT NULL GROUP BY region
			)
			SELECT count(*) AS n FROM recount r FULL OUTER JOIN region_counts c ON c.region = r.region AND c.metric = r.metric
			WHERE coalesce(r.n, 0) != coalesce(c.n, 0)`[0]?.n ?? 0;
		const minutesMismatch =
			this.sql<{ n: number }>`
			WITH recount AS (SELECT (at / 60000) * 60000 AS minute, type, count(*) AS n FROM actions WHERE counted = 1 GROUP BY 1, 2)
			SELECT count(*) AS n FROM recount r FULL OUTER JOIN minute_counts c ON c.minute = r.minute AND c.type = r.type
			WHERE coalesce(r.n, 0) != coalesce(c.n, 0)`[0]?.n ?? 0;
		const recount = {
			participants: recountParticipants,
			actions: recountActions,
			blessingsPublished: recountPublished,
		};
		const counters = {
			participants: snapshot.participants,
			actions: snapshot.actions,
			blessingsPublished: snapshot.blessingsPublished,
		};
		return {
			shardIndex: state.shard_index ?? -1,
			version: state.version,
			recount,
			counters,
			regionsMatch: regionsMismatch === 0,
			minutesMatch: minutesMismatch === 0,
			match: JSON.stringify(recount) === JSON.stringify(counters) && regionsMismatch === 0 && minutesMismatch === 0,
		};
	}
}
