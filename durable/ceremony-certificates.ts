import type { LeasedBlock } from "./certificate-lease";
import type { SqlQuery } from "./sql";

/** The ceremony's certificate numbers: blocks leased to shards, each recorded before it is handed out. */
export class CertificateLedger {
	constructor(private readonly sql: SqlQuery) {}

	lease(year: number, shardIndex: number, size: number): LeasedBlock {
		const start = this.sql<{ next_certificate: number }>`SELECT next_certificate FROM ceremony_state WHERE id = 1`[0]
			?.next_certificate as number;
		const end = start + Math.max(1, Math.min(size, 100_000));
		this.sql`UPDATE ceremony_state SET next_certificate = ${end}, year = coalesce(year, ${year}) WHERE id = 1`;
		this
			.sql`INSERT INTO certificate_leases (start, end, shard, at) VALUES (${start}, ${end}, ${shardIndex}, ${Date.now()})`;
		return { start, end };
	}

	get anyLeased(): boolean {
		return this.sql`SELECT 1 FROM certificate_leases LIMIT 1`.length > 0;
	}

	/** How many numbers were leased in all (handed out, or gaps left by shards that stopped). */
	get leased(): number {
		return this.sql<{ n: number }>`SELECT coalesce(sum(end - start), 0) AS n FROM certificate_leases`[0]?.n ?? 0;
	}
}
