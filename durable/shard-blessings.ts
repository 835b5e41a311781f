import type { ShardCounters } from "./shard-counters";
import type { BlessingState } from "./shard-protocol";
import type { ShardState } from "./shard-state";
import { SqlFragment, type SqlQuery } from "./sql";

/** The seqs of a participant's blessing actions, which are their blessings' seqs too. */
const ownBlessingSeqs = (participantId: string) =>
	new SqlFragment("SELECT seq FROM actions WHERE participant_id = ? AND type = 'blessing'", [participantId]);

/** The shard's blessings after they were counted: moderation and erasure, with the published count. */
export class ShardBlessings {
	constructor(
		private readonly sql: SqlQuery,
		private readonly storage: DurableObjectStorage,
		private readonly state: ShardState,
		private readonly counters: ShardCounters,
	) {}

	/**
	 * Publishes or hides a blessing. Null when the log has no such blessing (or it was erased);
	 * `changed` when the state moved, so the next snapshot must carry it.
	 */
	setState(seq: number, state: "published" | "hidden"): { changed: boolean } | null {
		const row = this.sql<{ state: BlessingState }>`SELECT state FROM blessings WHERE seq = ${seq}`[0];
		if (!row || row.state === "erased") return null;
		if (row.state === state) return { changed: false };
		// The blessing's action is in the counters before its published count moves.
		this.counters.fold();
		this.storage.transactionSync(() => {
			this.sql`UPDATE blessings SET state = ${state} WHERE seq = ${seq}`;
			this.changeStates([row], state);
		});
		return { changed: true };
	}

	/**
	 * Erases the participant's blessing texts, and the fingerprints that could confirm them. Returns
	 * how many. The caller folds the counters first (this runs inside its transaction).
	 */
	erase(participantId: string): number {
		// A blessing's seq is its action's: the participant's blessings are found through the log's
		// (participant, key) index, so the blessings table needs no index of its own for this.
		const erased = this.sql<{ seq: number; state: BlessingState }>`
			SELECT seq, state FROM blessings WHERE seq IN (${ownBlessingSeqs(participantId)}) AND state != 'erased'`;
		this.sql`UPDATE blessings SET state = 'erased', text_hans = '', text_hant = ''
			WHERE seq IN (${ownBlessingSeqs(participantId)})`;
		// A replay of the key must not confirm the text: its fingerprint goes too (410 from now on).
		this.sql`UPDATE actions SET fingerprint = '' WHERE participant_id = ${participantId} AND type = 'blessing'`;
		this.changeStates(erased, "erased");
		return erased.length;
	}

	/** Keeps the published count and the snapshot version in step with a change of blessing states. */
	private changeStates(before: Array<{ state: BlessingState }>, after: BlessingState): void {
		if (before.length === 0) return;
		const published = (state: BlessingState) => (state === "published" ? 1 : 0);
		const delta = before.reduce((sum, b) => sum + published(after) - published(b.state), 0);
		if (delta !== 0) this.counters.adjustTotal("blessings_published", delta);
		this.state.bumpVersion();
	}
}
