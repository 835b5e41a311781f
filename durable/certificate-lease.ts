import type { ShardState } from "./shard-state";

export class LeaseExhausted extends Error {}

export interface LeasedBlock {
	/** First number of the block. */
	start: number;
	/** One past the last number. */
	end: number;
}

const MIN_LEASE = 16;
const MAX_LEASE = 4096;
const FAST_LEASE_MS = 10_000;
const SLOW_LEASE_MS = 120_000;

type LeaseRow = { lease_next: number; lease_end: number; lease_size: number; lease_taken_at: number };

/**
 * A shard's block of certificate numbers, leased from the CeremonyDO. The block is written to
 * storage before any number from it is given, so a number is never given twice, even after a
 * restart; numbers left in a block when a shard stops are gaps, at most one block per shard.
 * The block size doubles when a block lasts less than 10 s and halves when it lasts over 2 min.
 */
export class CertificateLease {
	private inFlight: Promise<void> | null = null;
	private next = 0;
	private end = 0;

	constructor(
		private readonly state: ShardState,
		private readonly lease: (size: number) => Promise<LeasedBlock>,
	) {}

	private row(): LeaseRow {
		return this.state.read();
	}

	/** Makes sure `needed` numbers are at hand, leasing a new block if not. */
	async ensure(needed: number): Promise<void> {
		for (;;) {
			const row = this.row();
			if (row.lease_end - row.lease_next >= needed) return;
			this.inFlight ??= this.renew(row, needed).finally(() => {
				this.inFlight = null;
			});
			await this.inFlight;
		}
	}

	private async renew(row: LeaseRow, needed: number): Promise<void> {
		const now = Date.now();
		const lasted = now - row.lease_taken_at;
		let size = row.lease_size || MIN_LEASE;
		if (row.lease_size && lasted < FAST_LEASE_MS) size *= 2;
		else if (lasted > SLOW_LEASE_MS) size /= 2;
		size = Math.max(needed, Math.min(MAX_LEASE, Math.max(MIN_LEASE, Math.round(size))));
		const block = await this.lease(size);
		this.state.leased(block.start, block.end, size, now);
	}

	/** Starts a transaction's use of the block, as the shard's state row has it. */
	begin(next: number, end: number): void {
		this.next = next;
		this.end = end;
	}

	take(): number {
		if (this.next >= this.end) throw new LeaseExhausted();
		return this.next++;
	}

	/** The next unused number, which the transaction writes back with its other changes. */
	get used(): number {
		return this.next;
	}
}
