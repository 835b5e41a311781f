import { type ActionCounts, zeroCounts } from "../src/schemas/common";
import type { NameState, ParticipantProfile, ProfileChange, ProfileUpdateOutcome } from "./shard-protocol";
import type { SqlQuery } from "./sql";

export type ParticipantRow = {
	id: string;
	display_name: string | null;
	region: string | null;
	certificate: number | null;
	first_counted_at: number | null;
} & ActionCounts;

/** The shard's participants: their profiles, and their display names under review. */
export class ShardParticipants {
	constructor(
		private readonly sql: SqlQuery,
		private readonly storage: DurableObjectStorage,
	) {}

	row(participantId: string): ParticipantRow | undefined {
		return this.sql<ParticipantRow>`SELECT * FROM participants WHERE id = ${participantId}`[0];
	}

	private nameStateOf(participantId: string): NameState {
		return (
			this.sql<{ state: NameState }>`SELECT state FROM name_reviews WHERE participant_id = ${participantId}`[0]
				?.state ?? "published"
		);
	}

	profile(participantId: string): ParticipantProfile {
		const row = this.row(participantId);
		return {
			participantId,
			displayName: row?.display_name ?? null,
			nameState: row?.display_name == null ? "published" : this.nameStateOf(participantId),
			region: row?.region ?? null,
			regionFixed: row?.first_counted_at != null,
			certificate: row?.certificate ?? null,
			actions: row ? { flower: row.flower, incense: row.incense, bow: row.bow, blessing: row.blessing } : zeroCounts(),
			firstCountedAt: row?.first_counted_at ?? null,
		};
	}

	/**
	 * `displayName: null` clears the name; a region can change only before the first counted action.
	 * `nameHeld`: the word list holds the new name until the committee reviews it.
	 */
	update(participantId: string, change: ProfileChange): ProfileUpdateOutcome {
		const current = this.profile(participantId);
		if (change.region !== undefined && current.regionFixed && change.region !== current.region) {
			return { kind: "region-fixed", profile: current };
		}
		const displayName = change.displayName === undefined ? current.displayName : change.displayName;
		const region = change.region ?? current.region;
		const underReview = this.sql`SELECT 1 FROM name_reviews WHERE participant_id = ${participantId}`.length > 0;
		const held = change.displayName !== undefined && change.displayName !== null && change.nameHeld === true;
		this.storage.transactionSync(() => {
			this.sql`INSERT INTO participants (id, display_name, region) VALUES (${participantId}, ${displayName}, ${region})
				ON CONFLICT (id) DO UPDATE SET display_name = excluded.display_name, region = excluded.region`;
			if (held) {
				this.sql`INSERT OR REPLACE INTO name_reviews (participant_id, state) VALUES (${participantId}, 'held')`;
			} else if (change.displayName !== undefined) {
				this.sql`DELETE FROM name_reviews WHERE participant_id = ${participantId}`;
			}
		});
		const reviewEnded = underReview && !held && change.displayName !== undefined;
		return { kind: "updated", profile: this.profile(participantId), reviewEnded };
	}

	/** Moderation of a display name: the name, or null when the participant has none (any more). */
	setNameState(participantId: string, state: "published" | "hidden"): string | null {
		const name = this.row(participantId)?.display_name ?? null;
		if (name === null) return null;
		if (state === "published") this.sql`DELETE FROM name_reviews WHERE participant_id = ${participantId}`;
		else this.sql`INSERT OR REPLACE INTO name_reviews (participant_id, state) VALUES (${participantId}, 'hidden')`;
		return name;
	}

	/** Erasure: the name goes, with any review of it; the counts stay. */
	eraseName(participantId: string): void {
		this.sql`UPDATE participants SET display_name = NULL WHERE id = ${participantId}`;
		this.sql`DELETE FROM name_reviews WHERE participant_id = ${participantId}`;
	}
}
