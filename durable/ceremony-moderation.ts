import { parseActionId } from "../src/domain/shard-routing";
import type { CeremonyConfig } from "../src/schemas/ceremony";
import type { ModerationOutcome, NameModerationOutcome, NameUnderReview, Page } from "./ceremony-protocol";
import { type BlessingWall, parseCursor } from "./ceremony-wall";
import type { ShardDO } from "./shard";
import type { SqlQuery } from "./sql";

type NameRow = {
	participant_id: string;
	shard: number;
	display_name: string;
	state: "held" | "hidden";
	created_at: number;
	moderated_by: string | null;
	moderated_at: number | null;
};

const nameOf = (r: Omit<NameRow, "state"> & { state: NameUnderReview["state"] }): NameUnderReview => ({
	participantId: r.participant_id,
	displayName: r.display_name,
	state: r.state,
	createdAt: r.created_at,
	moderatedBy: r.moderated_by,
	moderatedAt: r.moderated_at,
});

/**
 * The committee's decisions on blessings and display names: written to the shard's log first (so
 * the published count and the audit follow), then here.
 */
export class Moderation {
	constructor(
		private readonly sql: SqlQuery,
		private readonly wall: BlessingWall,
		private readonly shard: (year: number, index: number) => DurableObjectStub<ShardDO>,
	) {}

	/** Hides or restores (publishes) a blessing. */
	async moderate(
		config: CeremonyConfig,
		blessingId: string,
		action: "hide" | "restore",
		member: string,
	): Promise<ModerationOutcome> {
		const ref = parseActionId(blessingId);
		if (!ref || ref.shardIndex >= config.shardCount || !this.wall.moderatable(blessingId)) return { kind: "not-found" };
		const state = action === "hide" ? "hidden" : "published";
		const identity = { year: config.year, shardCount: config.shardCount, shardIndex: ref.shardIndex };
		const applied = await this.shard(config.year, ref.shardIndex).setBlessingState(identity, ref.seq, state);
		if (applied.kind === "wrong-shard") throw new Error(applied.detail);
		if (applied.kind === "not-found") return { kind: "not-found" };
		console.log(`blessing ${blessingId} ${action === "hide" ? "hidden" : "restored"} by ${member}`);
		return { kind: "moderated", entry: this.wall.moderated(blessingId, state, member, Date.now()) };
	}

	/** A display name the word list held: it waits in the queue, shown nowhere, until a member decides. */
	holdName(participantId: string, shardIndex: number, displayName: string): void {
		this.sql`INSERT OR REPLACE INTO names (participant_id, shard, display_name, state, created_at)
			VALUES (${participantId}, ${shardIndex}, ${displayName}, 'held', ${Date.now()})`;
	}

	/** The participant replaced, cleared or erased a name under review: it leaves the queue. */
	releaseName(participantId: string): void {
		this.sql`DELETE FROM names WHERE participant_id = ${participantId}`;
	}

	/** Held or hidden display names, newest first. */
	nameQueue(state: "held" | "hidden", limit: number, cursor: string | undefined): Page<NameUnderReview> {
		const [at, id] = parseCursor(cursor);
		const rows = this.sql<NameRow>`SELECT * FROM names WHERE state = ${state}
			AND (created_at < ${at} OR (created_at = ${at} AND participant_id < ${id}))
			ORDER BY created_at DESC, participant_id DESC LIMIT ${limit + 1}`;
		const last = rows[limit - 1];
		return {
			items: rows.slice(0, limit).map(nameOf),
			nextCursor: rows.length > limit && last ? `${last.created_at}_${last.participant_id}` : null,
		};
	}

	/** Publishes (restore) or hides a display name: in its shard first, then here and on the wall. */
	async moderateName(
		config: CeremonyConfig,
		participantId: string,
		action: "hide" | "restore",
		member: string,
	): Promise<NameModerationOutcome> {
		const row = this.sql<NameRow>`SELECT * FROM names WHERE participant_id = ${participantId}`[0];
		if (!row || row.shard >= config.shardCount) return { kind: "not-found" };
		const identity = { year: config.year, shardCount: config.shardCount, shardIndex: row.shard };
		const state = action === "hide" ? "hidden" : "published";
		const named = await this.shard(config.year, row.shard).setNameState(identity, participantId, state);
		if (named.kind === "wrong-shard") throw new Error(named.detail);
		if (named.kind === "not-found") {
			this.releaseName(participantId);
			return { kind: "not-found" };
		}
		const name = named.displayName;
		const now = Date.now();
		console.log(`display name of ${participantId} ${action === "hide" ? "hidden" : "published"} by ${member}`);
		if (state === "published") {
			this.releaseName(participantId);
			this.wall.nameRestored(participantId, name);
			return {
				kind: "moderated",
				entry: nameOf({ ...row, display_name: name, state, moderated_by: member, moderated_at: now }),
			};
		}
		this.sql`UPDATE names SET state = 'hidden', display_name = ${name}, moderated_by = ${member}, moderated_at = ${now}
			WHERE participant_id = ${participantId}`;
		return {
			kind: "moderated",
			entry: nameOf({ ...row, display_name: name, state: "hidden", moderated_by: member, moderated_at: now }),
		};
	}
}
