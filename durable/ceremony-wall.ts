import type { QueueState } from "../src/schemas/moderation";
import { ModeratedBlessing, type Page, type ReportOutcome, type WallBlessing } from "./ceremony-protocol";
import type { WallEntry } from "./snapshot-protocol";
import type { SqlQuery } from "./sql";

/** Published blessings kept on the wall; every blessing stays in its shard's log. */
const WALL_WINDOW = 10_000;
/**
 * The wall is cut back to its window at most this often, not at every snapshot: finding the
 * window's end walks the whole window. Between cuts it holds at most a few seconds more.
 */
const WALL_TRIM_EVERY_MS = 2_000;
/** One report per blessing per address /64 counts within this window. */
const REPORT_ADDRESS_WINDOW_MS = 86_400_000;

type WallRow = {
	moderated_by: string | null;
	moderated_at: number | null;
	id: string;
	participant_id: string;
	text_hans: string;
	text_hant: string;
	display_name: string | null;
	region: string | null;
	state: string;
	created_at: number;
	reports: number;
};

/** A page position: the time and id of the last row seen. */
export function parseCursor(cursor: string | undefined): [number, string] {
	return cursor
		? [Number(cursor.slice(0, cursor.indexOf("_"))), cursor.slice(cursor.indexOf("_") + 1)]
		: [Number.MAX_SAFE_INTEGER, "~"];
}

const blessingOf = (r: WallRow): WallBlessing => ({
	id: r.id,
	hans: r.text_hans,
	hant: r.text_hant,
	displayName: r.display_name,
	region: r.region,
	createdAt: r.created_at,
});

/** The stored state is checked, not cast: an erased row is never moderated or queued. */
const moderatedOf = (r: WallRow): ModeratedBlessing =>
	ModeratedBlessing.parse({
		...blessingOf(r),
		state: r.state,
		reports: r.reports,
		moderatedBy: r.moderated_by,
		moderatedAt: r.moderated_at,
	});

/** The blessing wall: a bounded recent window of published blessings, all held ones, and their reports. */
export class BlessingWall {
	private trimmedAt = Number.NEGATIVE_INFINITY;

	constructor(
		private readonly sql: SqlQuery,
		private readonly window = WALL_WINDOW,
		private readonly trimEveryMs = WALL_TRIM_EVERY_MS,
	) {}

	add(entries: WallEntry[], now = Date.now()): void {
		if (entries.length === 0) return;
		const rows = entries.map((b) => [
			b.id,
			b.participantId,
			b.hans,
			b.hant,
			b.displayName,
			b.region,
			b.state,
			b.createdAt,
		]);
		// Moderation decided here wins over the state the shard knew when it sent the blessing, and
		// an erased participant's blessing still on its way never reaches the wall.
		this
			.sql`INSERT OR IGNORE INTO wall (id, participant_id, text_hans, text_hant, display_name, region, state, created_at)
			SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6, value ->> 7
			FROM json_each(${JSON.stringify(rows)})
			WHERE NOT EXISTS (SELECT 1 FROM erased_participants WHERE participant_id = value ->> 1)`;
		if (now - this.trimmedAt < this.trimEveryMs) return;
		this.trimmedAt = now;
		this.sql`DELETE FROM wall WHERE state = 'published' AND id IN (
			SELECT id FROM wall WHERE state = 'published' ORDER BY created_at DESC, id DESC LIMIT -1 OFFSET ${this.window})`;
	}

	private page(state: string, minReports: number, limit: number, cursor: string | undefined): WallRow[] {
		const [at, id] = parseCursor(cursor);
		return this.sql<WallRow>`SELECT * FROM wall WHERE state = ${state} AND reports >= ${minReports}
			AND (created_at < ${at} OR (created_at = ${at} AND id < ${id}))
			ORDER BY created_at DESC, id DESC LIMIT ${limit + 1}`;
	}

	private nextCursor(rows: WallRow[], limit: number): string | null {
		const last = rows[limit - 1];
		return rows.length > limit && last ? `${last.created_at}_${last.id}` : null;
	}

	published(limit: number, cursor: string | undefined): Page<WallBlessing> {
		const rows = this.page("published", 0, limit, cursor);
		return { items: rows.slice(0, limit).map(blessingOf), nextCursor: this.nextCursor(rows, limit) };
	}

	/** The moderation queue: held blessings, reported ones still published, or hidden ones; newest first. */
	queue(state: QueueState, limit: number, cursor: string | undefined): Page<ModeratedBlessing> {
		const [wallState, minReports] = state === "reported" ? ["published", 1] : [state, 0];
		const rows = this.page(wallState, minReports, limit, cursor);
		return { items: rows.slice(0, limit).map(moderatedOf), nextCursor: this.nextCursor(rows, limit) };
	}

	queueSizes(): { held: number; reported: number } {
		const row = this.sql<{ held: number; reported: number }>`
			SELECT coalesce(sum(state = 'held'), 0) AS held, coalesce(sum(state = 'published' AND reports > 0), 0) AS reported FROM wall`[0];
		return { held: row?.held ?? 0, reported: row?.reported ?? 0 };
	}

	/** A blessing the committee may moderate: on the wall and not erased. */
	moderatable(blessingId: string): boolean {
		return this.sql`SELECT 1 FROM wall WHERE id = ${blessingId} AND state != 'erased'`.length > 0;
	}

	/** Records the committee's decision, already applied in the blessing's shard log. */
	moderated(blessingId: string, state: "published" | "hidden", member: string, at: number): ModeratedBlessing {
		const updated = this.sql<WallRow>`UPDATE wall SET state = ${state}, moderated_by = ${member}, moderated_at = ${at}
			WHERE id = ${blessingId} RETURNING *`[0] as WallRow;
		return moderatedOf(updated);
	}

	/** Blessings sent while the participant's name was held went out without it. */
	nameRestored(participantId: string, displayName: string): void {
		this
			.sql`UPDATE wall SET display_name = ${displayName} WHERE participant_id = ${participantId} AND display_name IS NULL`;
	}

	/** Counts a report of a published blessing once per participant and once per address /64 in a day. */
	report(blessingId: string, participantId: string, reason: string | null, addressKey?: string): ReportOutcome {
		if (this.sql`SELECT 1 FROM wall WHERE id = ${blessingId} AND state = 'published'`.length === 0) {
			return { kind: "not-found" };
		}
		if (
			this.sql`SELECT 1 FROM blessing_reports WHERE blessing_id = ${blessingId} AND participant_id = ${participantId}`
				.length > 0
		)
			return { kind: "already-reported" };
		// A Worker of the previous release sends no address key (see docs/OPERATIONS.md on gradual deploys).
		if (addressKey !== undefined) {
			const now = Date.now();
			this.sql`DELETE FROM report_addresses WHERE at < ${now - REPORT_ADDRESS_WINDOW_MS}`;
			const fromAddress = this.sql<{ blessing_id: string }>`INSERT OR IGNORE INTO report_addresses
				(blessing_id, address_key, at) VALUES (${blessingId}, ${addressKey}, ${now}) RETURNING blessing_id`;
			if (fromAddress.length === 0) return { kind: "already-reported" };
		}
		const inserted = this.sql<{
			blessing_id: string;
		}>`INSERT OR IGNORE INTO blessing_reports (blessing_id, participant_id, at, reason)
			VALUES (${blessingId}, ${participantId}, ${Date.now()}, ${reason}) RETURNING blessing_id`;
		if (inserted.length === 0) return { kind: "already-reported" };
		this.sql`UPDATE wall SET reports = reports + 1 WHERE id = ${blessingId}`;
		return { kind: "reported" };
	}

	/** Removes an erased participant's blessings and reports; none of theirs still on its way reaches the wall. */
	erase(participantId: string): number {
		this.sql`INSERT OR IGNORE INTO erased_participants (participant_id) VALUES (${participantId})`;
		const removed = this.sql<{ id: string }>`DELETE FROM wall WHERE participant_id = ${participantId} RETURNING id`;
		for (const { id } of removed) {
			this.sql`DELETE FROM blessing_reports WHERE blessing_id = ${id}`;
			this.sql`DELETE FROM report_addresses WHERE blessing_id = ${id}`;
		}
		this.sql`DELETE FROM blessing_reports WHERE participant_id = ${participantId}`;
		return removed.length;
	}
}
