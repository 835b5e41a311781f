import type { ShardState } from "./shard-state";
import type { SqlQuery } from "./sql";

type FoldedRow = {
	seq: number;
	counted: number;
	type: string;
	region: string | null;
	at: number;
	newcomer: number;
	published: number;
};

/** Sums of log rows by counter: totals by metric, regions by (region, metric), minutes by (minute, type). */
function foldSums(rows: FoldedRow[]) {
	const totals = new Map<string, number>();
	const regions = new Map<string, [string | null, string, number]>();
	const minutes = new Map<string, [number, string, number]>();
	const addTotal = (metric: string) => totals.set(metric, (totals.get(metric) ?? 0) + 1);
	const addRegion = (region: string | null, metric: string) => {
		const key = `${region}\u0000${metric}`;
		const entry = regions.get(key);
		if (entry) entry[2]++;
		else regions.set(key, [region, metric, 1]);
	};
	for (const row of rows) {
		if (row.published === 1) addTotal("blessings_published");
		if (row.counted !== 1) continue;
		addTotal(row.type);
		addRegion(row.region, row.type);
		if (row.newcomer === 1) {
			addTotal("participants");
			addRegion(row.region, "participants");
		}
		const minute = Math.floor(row.at / 60_000) * 60_000;
		const key = `${minute}\u0000${row.type}`;
		const entry = minutes.get(key);
		if (entry) entry[2]++;
		else minutes.set(key, [minute, row.type, 1]);
	}
	return { totals, regions, minutes };
}

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
	 *
	 * The log rows since the last fold are read once, each counted one with whether it was its
	 * participant's first and whether its blessing is published, and summed here: the counters take
	 * the sums as one JSON array per table.
	 */
	fold(): void {
		const { folded_seq: from, version } = this.state.read();
		const to = this.storage.transactionSync(() => {
			const rows = this.sql<FoldedRow>`SELECT a.seq, a.counted, a.type, a.region, a.at,
					a.counted = 1 AND NOT EXISTS (SELECT 1 FROM actions e
						WHERE e.participant_id = a.participant_id AND e.counted = 1 AND e.seq < a.seq) AS newcomer,
					coalesce(b.state = 'published', 0) AS published
				FROM actions a LEFT JOIN blessings b ON b.seq = a.seq
				WHERE a.seq > ${from} ORDER BY a.seq`;
			const newest = rows.at(-1)?.seq ?? from;
			if (newest <= from) return null;
			const sums = foldSums(rows);
			if (sums.totals.size > 0) {
				this.sql`INSERT INTO totals (metric, n)
					SELECT value ->> 0, value ->> 1 FROM json_each(${JSON.stringify([...sums.totals])}) WHERE true
					ON CONFLICT (metric) DO UPDATE SET n = n + excluded.n`;
			}
			if (sums.regions.size > 0) {
				this.sql`INSERT INTO region_counts (region, metric, n, version)
					SELECT value ->> 0, value ->> 1, value ->> 2, ${version} FROM json_each(${JSON.stringify([...sums.regions.values()])}) WHERE true
					ON CONFLICT (region, metric) DO UPDATE SET n = n + excluded.n, version = excluded.version`;
			}
			if (sums.minutes.size > 0) {
				this.sql`INSERT INTO minute_counts (minute, type, n, version)
					SELECT value ->> 0, value ->> 1, value ->> 2, ${version} FROM json_each(${JSON.stringify([...sums.minutes.values()])}) WHERE true
					ON CONFLICT (minute, type) DO UPDATE SET n = n + excluded.n, version = excluded.version`;
			}
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
