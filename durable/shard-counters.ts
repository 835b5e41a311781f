import type { ShardState } from "./shard-state";
import { SqlFragment, type SqlQuery } from "./sql";

/**
 * The shard's counters (totals, per region, per minute), folded in from the action log rather than
 * written by every commit: a batch writes its log rows and nothing else that all batches share,
 * and the counters catch up with the log before anything reads or adjusts them (a snapshot, an
 * audit, a moderation). `folded_seq` in the state row is the last log row they hold; a fold and
 * its new `folded_seq` commit together, so a row is folded exactly once.
 *
 * A newcomer is a counted action with no earlier counted action of the same participant (what the
 * batch decided when it gave the participant a certificate); a published blessing counts with its
 * action, so any change of a blessing's state must come after the fold of its action.
 */
export class ShardCounters {
	constructor(
		private readonly sql: SqlQuery,
		private readonly storage: DurableObjectStorage,
		private readonly state: ShardState,
	) {}

	/**
	 * Brings the counters up to the newest log row, in a transaction of its own (call it outside any
	 * other: the state row's copy follows the fold once it has committed). Region and minute rows it
	 * changes carry the current version, so the next snapshot sends them.
	 */
	fold(): void {
		const { folded_seq: from, version } = this.state.read();
		const to = this.storage.transactionSync(() => {
			const newest = this.sql<{ seq: number | null }>`SELECT max(seq) AS seq FROM actions`[0]?.seq ?? 0;
			if (newest <= from) return null;
			// The counted actions to fold, each with whether it was its participant's first.
			const folded = new SqlFragment(
				`WITH folded AS (
					SELECT a.type, a.region, a.at,
						NOT EXISTS (SELECT 1 FROM actions e
							WHERE e.participant_id = a.participant_id AND e.counted = 1 AND e.seq < a.seq) AS newcomer
					FROM actions a WHERE a.seq > ? AND a.seq <= ? AND a.counted = 1
				)`,
				[from, newest],
			);
			this.sql`${folded}
				INSERT INTO totals (metric, n)
				SELECT metric, n FROM (
					SELECT type AS metric, count(*) AS n FROM folded GROUP BY type
					UNION ALL SELECT 'participants', count(*) FROM folded WHERE newcomer
					UNION ALL SELECT 'blessings_published', count(*) FROM blessings
						WHERE seq > ${from} AND seq <= ${newest} AND state = 'published'
				) WHERE n > 0
				ON CONFLICT (metric) DO UPDATE SET n = n + excluded.n`;
			this.sql`${folded}
				INSERT INTO region_counts (region, metric, n, version)
				SELECT region, metric, n, ${version} FROM (
					SELECT region, type AS metric, count(*) AS n FROM folded GROUP BY region, type
					UNION ALL SELECT region, 'participants', count(*) FROM folded WHERE newcomer GROUP BY region
				) WHERE true
				ON CONFLICT (region, metric) DO UPDATE SET n = n + excluded.n, version = excluded.version`;
			this.sql`${folded}
				INSERT INTO minute_counts (minute, type, n, version)
				SELECT (at / 60000) * 60000, type, count(*), ${version} FROM folded WHERE true GROUP BY 1, 2
				ON CONFLICT (minute, type) DO UPDATE SET n = n + excluded.n, version = excluded.version`;
			this.state.writeFolded(newest);
			return newest;
		});
		if (to !== null) this.state.folded(to);
	}

	/** Adds to a counter outside a batch (moderation changes the published count); fold first. */
	adjustTotal(metric: string, n: number): void {
		this
			.sql`INSERT INTO totals (metric, n) VALUES (${metric}, ${n}) ON CONFLICT (metric) DO UPDATE SET n = n + excluded.n`;
	}
}
