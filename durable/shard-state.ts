import type { ShardIdentity } from "./shard-protocol";
import type { SqlQuery } from "./sql";

export type ShardStateRow = {
	lease_next: number;
	lease_end: number;
	year: number | null;
	shard_count: number | null;
	shard_index: number | null;
	version: number;
	sealed: number;
	confirmed_version: number;
	confirmed_published_seq: number;
	confirmed_held_seq: number;
};

/**
 * The shard's one-row state: who it is, its snapshot version and what its aggregator confirmed.
 * Its identity, once recorded, never changes, and the configuration version only rises: both are
 * kept in memory after their first read, so a batch does not read or write them again.
 */
export class ShardState {
	private known: ShardIdentity | null = null;
	private configVersion: number | null = null;

	constructor(private readonly sql: SqlQuery) {}

	read(): ShardStateRow {
		return this.sql<ShardStateRow>`SELECT * FROM shard_state WHERE id = 1`[0] as ShardStateRow;
	}

	/** Records the shard's identity at its first call and refuses any call that disagrees with it. */
	identityProblem(identity: ShardIdentity): string | null {
		const own = this.identity();
		if (own === null) {
			this.sql`UPDATE shard_state SET year = ${identity.year}, shard_count = ${identity.shardCount},
				shard_index = ${identity.shardIndex} WHERE id = 1`;
			this.known = { year: identity.year, shardCount: identity.shardCount, shardIndex: identity.shardIndex };
			return null;
		}
		if (
			own.year !== identity.year ||
			own.shardCount !== identity.shardCount ||
			own.shardIndex !== identity.shardIndex
		) {
			return `this shard is ${own.shardIndex} of ${own.shardCount} for ${own.year}, not ${identity.shardIndex} of ${identity.shardCount} for ${identity.year}`;
		}
		return null;
	}

	/** The identity recorded at the first call; null before any. */
	identity(): ShardIdentity | null {
		if (this.known) return this.known;
		const { year, shard_count: shardCount, shard_index: shardIndex } = this.read();
		if (year === null || shardCount === null || shardIndex === null) return null;
		this.known = { year, shardCount, shardIndex };
		return this.known;
	}

	/** The newest configuration version the shard has heard of (from the CeremonyDO or a Worker). */
	learnConfigVersion(version: number): number {
		this.configVersion ??=
			this.sql<{ config_version: number }>`SELECT config_version FROM shard_config WHERE id = 1`[0]?.config_version ??
			0;
		if (version <= this.configVersion) return this.configVersion;
		this.configVersion =
			this.sql<{ config_version: number }>`UPDATE shard_config SET config_version = max(config_version, ${version})
				WHERE id = 1 RETURNING config_version`[0]?.config_version ?? version;
		return this.configVersion;
	}

	seal(): void {
		this.sql`UPDATE shard_state SET sealed = 1 WHERE id = 1`;
	}

	/** A change outside a batch (moderation, erasure) that the next snapshot must carry. */
	bumpVersion(): void {
		this.sql`UPDATE shard_state SET version = version + 1 WHERE id = 1`;
	}
}
