import type { ShardIdentity } from "./shard-protocol";
import type { SqlQuery } from "./sql";

export type ShardStateRow = {
	lease_next: number;
	lease_end: number;
	lease_size: number;
	lease_taken_at: number;
	year: number | null;
	shard_count: number | null;
	shard_index: number | null;
	version: number;
	sealed: number;
	confirmed_version: number;
	confirmed_published_seq: number;
	confirmed_held_seq: number;
	/** The last action log row the counters hold (durable/shard-counters.ts). */
	folded_seq: number;
};

/**
 * The shard's one-row state: who it is, its snapshot version, its certificate lease and what its
 * aggregator confirmed. The row is kept in memory after its first read: every change to it goes
 * through this class, which writes it and keeps the copy (a change made inside a transaction is
 * kept only once that transaction has succeeded), so a batch reads no state from SQLite. Its
 * identity, once recorded, never changes, and the configuration version only rises.
 */
export class ShardState {
	private row: ShardStateRow | null = null;
	private known: ShardIdentity | null = null;
	private configVersion: number | null = null;

	constructor(private readonly sql: SqlQuery) {}

	/** The state as committed (a copy: changing it changes nothing). */
	read(): ShardStateRow {
		this.row ??= this.sql<ShardStateRow>`SELECT * FROM shard_state WHERE id = 1`[0] as ShardStateRow;
		return { ...this.row };
	}

	/** Forgets the copy: the next read is from SQLite (after a transaction that changed the row failed). */
	forget(): void {
		this.row = null;
	}

	private updated(row: ShardStateRow | undefined): void {
		this.row = row ?? null;
	}

	/** Records the shard's identity at its first call and refuses any call that disagrees with it. */
	identityProblem(identity: ShardIdentity): string | null {
		const own = this.identity();
		if (own === null) {
			this.updated(
				this.sql<ShardStateRow>`UPDATE shard_state SET year = ${identity.year}, shard_count = ${identity.shardCount},
				shard_index = ${identity.shardIndex} WHERE id = 1 RETURNING *`[0],
			);
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
		this.updated(this.sql<ShardStateRow>`UPDATE shard_state SET sealed = 1 WHERE id = 1 RETURNING *`[0]);
	}

	/**
	 * A change outside a batch (moderation, erasure) that the next snapshot must carry. It runs
	 * inside the caller's transaction, so the copy is read again after it.
	 */
	bumpVersion(): void {
		this.sql`UPDATE shard_state SET version = version + 1 WHERE id = 1`;
		this.forget();
	}

	/**
	 * Writes a batch's new version and the next unused certificate number, inside the batch's
	 * transaction; `committed` keeps them once the transaction has succeeded.
	 */
	writeBatch(version: number, leaseNext: number): void {
		this.sql`UPDATE shard_state SET version = ${version}, lease_next = ${leaseNext} WHERE id = 1`;
	}

	/** The counters now hold the log up to `seq`: inside the fold's transaction, `folded` once it has committed. */
	writeFolded(seq: number): void {
		this.sql`UPDATE shard_state SET folded_seq = ${seq} WHERE id = 1`;
	}

	folded(seq: number): void {
		if (this.row) this.row.folded_seq = seq;
	}

	committed(version: number, leaseNext: number): void {
		if (this.row) Object.assign(this.row, { version, lease_next: leaseNext });
	}

	/** A new block of certificate numbers, written before any number from it is given. */
	leased(start: number, end: number, size: number, takenAt: number): void {
		this.updated(
			this.sql<ShardStateRow>`UPDATE shard_state SET lease_next = ${start}, lease_end = ${end},
			lease_size = ${size}, lease_taken_at = ${takenAt} WHERE id = 1 RETURNING *`[0],
		);
	}

	/** The aggregator has the snapshot of `version` and the blessings up to these sequence numbers. */
	confirmed(version: number, publishedSeq: number, heldSeq: number): void {
		this.updated(
			this.sql<ShardStateRow>`UPDATE shard_state SET confirmed_version = max(confirmed_version, ${version}),
			confirmed_published_seq = max(confirmed_published_seq, ${publishedSeq}),
			confirmed_held_seq = max(confirmed_held_seq, ${heldSeq}) WHERE id = 1 RETURNING *`[0],
		);
	}
}
