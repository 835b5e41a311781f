import type { AggregatorIdentity } from "./aggregator-protocol";
import type { SqlQuery } from "./sql";

export const IDENTITY_SCHEMA = `
CREATE TABLE IF NOT EXISTS aggregator_identity (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	year INTEGER NOT NULL, shard_count INTEGER NOT NULL, aggregator_index INTEGER NOT NULL
);
`;

type IdentityRow = { year: number; shard_count: number; aggregator_index: number };

/**
 * Who the aggregator is: recorded at its first call, then every call must agree with it. Once
 * recorded it never changes, so it is read from SQLite once.
 */
export class AggregatorIdentityStore {
	private known: AggregatorIdentity | null = null;

	constructor(private readonly sql: SqlQuery) {}

	read(): AggregatorIdentity | null {
		if (this.known) return this.known;
		const row = this
			.sql<IdentityRow>`SELECT year, shard_count, aggregator_index FROM aggregator_identity WHERE id = 1`[0];
		this.known = row ? { year: row.year, shardCount: row.shard_count, aggregatorIndex: row.aggregator_index } : null;
		return this.known;
	}

	/** Records the identity at the first call; afterwards, why a claimed identity is not this one (or null). */
	problem(claimed: AggregatorIdentity): string | null {
		const own = this.read();
		if (!own) {
			this.sql`INSERT INTO aggregator_identity (id, year, shard_count, aggregator_index)
				VALUES (1, ${claimed.year}, ${claimed.shardCount}, ${claimed.aggregatorIndex})`;
			return null;
		}
		if (
			own.year !== claimed.year ||
			own.shardCount !== claimed.shardCount ||
			own.aggregatorIndex !== claimed.aggregatorIndex
		) {
			return `this aggregator is ${own.aggregatorIndex} of ${own.year} with ${own.shardCount} shards, not ${claimed.aggregatorIndex} of ${claimed.year} with ${claimed.shardCount}`;
		}
		return null;
	}
}
