import { WallEntry } from "./snapshot-protocol";
import type { SqlQuery } from "./sql";

/**
 * Published blessings an aggregator keeps to send, newest first (between trims, up to a push's
 * worth more): the wall is a recent sample, the shards' logs keep all.
 */
const PUBLISHED_KEPT = 100;
const PUBLISHED_PER_PUSH = 20;
/** Held blessings sent per push, oldest first; every one is kept until the CeremonyDO has it. */
const HELD_PER_PUSH = 100;

export const OUTBOX_SCHEMA = `
CREATE TABLE IF NOT EXISTS wall_outbox (
	id TEXT PRIMARY KEY,
	state TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	entry TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS wall_outbox_by_state ON wall_outbox (state, created_at);
`;

/**
 * Blessings on their way through an aggregator to the CeremonyDO: stored with the child's
 * snapshot, sent with the aggregator's own, and removed once the CeremonyDO has them.
 */
export class WallOutbox {
	/**
	 * At least as many published entries as the outbox holds (null: not known since this object
	 * started). The trim, which reads the newest PUBLISHED_KEPT in order, runs only when this passes
	 * PUBLISHED_KEPT by a push's worth, not at every snapshot.
	 */
	private publishedAtMost: number | null = null;

	constructor(private readonly sql: SqlQuery) {}

	add(entries: WallEntry[]): void {
		const kept = entries.filter((e) => e.state === "published" || e.state === "held");
		if (kept.length === 0) return;
		const rows = kept.map((e) => [e.id, e.state, e.createdAt, JSON.stringify(e)]);
		this.sql`INSERT OR IGNORE INTO wall_outbox (id, state, created_at, entry)
			SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3 FROM json_each(${JSON.stringify(rows)})`;
		const published = kept.filter((e) => e.state === "published").length;
		if (published === 0) return;
		if (this.publishedAtMost !== null) {
			this.publishedAtMost += published;
			if (this.publishedAtMost <= PUBLISHED_KEPT + PUBLISHED_PER_PUSH) return;
		}
		this.sql`DELETE FROM wall_outbox WHERE state = 'published' AND id IN (
			SELECT id FROM wall_outbox WHERE state = 'published' ORDER BY created_at DESC, id DESC LIMIT -1 OFFSET ${PUBLISHED_KEPT})`;
		this.publishedAtMost = PUBLISHED_KEPT;
	}

	/** The next entries to send: the newest published ones, and the oldest held ones. */
	next(): WallEntry[] {
		const rows = [
			...this.sql<{ entry: string }>`SELECT entry FROM wall_outbox WHERE state = 'published'
				ORDER BY created_at DESC, id DESC LIMIT ${PUBLISHED_PER_PUSH}`,
			...this.sql<{ entry: string }>`SELECT entry FROM wall_outbox WHERE state = 'held'
				ORDER BY created_at ASC, id ASC LIMIT ${HELD_PER_PUSH}`,
		];
		return rows.map((r) => WallEntry.parse(JSON.parse(r.entry)));
	}

	/**
	 * The CeremonyDO has these. Older published ones still here are sent next: the shards' snapshots
	 * arrive in any order, so one made before the newest sent may have come in since.
	 */
	delivered(sent: WallEntry[]): void {
		if (sent.length === 0) return;
		this
			.sql`DELETE FROM wall_outbox WHERE id IN (SELECT value FROM json_each(${JSON.stringify(sent.map((e) => e.id))}))`;
	}

	get isEmpty(): boolean {
		return this.sql`SELECT 1 FROM wall_outbox LIMIT 1`.length === 0;
	}
}
