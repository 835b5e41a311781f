import { ACTION_TYPES, type ActionType } from "../src/schemas/common";
import {
	actionColumnList,
	actionColumnsAddedFromExcluded,
	actionColumnsFromJson,
	countsInColumnOrder,
	countsOf,
} from "./action-columns";
import type { BlessingState } from "./shard-protocol";
import { SqlFragment, type SqlQuery } from "./sql";

/**
 * A batch of actions read and written set-based: each statement takes the whole batch as one
 * JSON array bound as a value and walks it with `json_each`, so a batch costs the same few
 * statements whatever its size. Column lists follow ACTION_TYPES.
 */

/** `p.flower, p.incense, ...`: the participant's counts in the batch's read. */
const participantCounts = new SqlFragment(ACTION_TYPES.map((t) => `p.${t}`).join(", "));
/** The counts of a participant's JSON row, after its id, region and certificate. */
const countsFromJson = actionColumnsFromJson(3);

export interface LoadedRow {
	participant: { region: string | null; certificate: number | null; counts: Record<ActionType, number> } | null;
	earlier: { seq: number; type: ActionType; fingerprint: string; status: number } | null;
}

type LoadRow = {
	i: number;
	known: number;
	region: string | null;
	certificate: number | null;
	earlier_seq: number | null;
	earlier_type: ActionType | null;
	earlier_fingerprint: string | null;
	earlier_status: number | null;
} & Record<ActionType, number | null>;

/** The participant rows and earlier log rows of every request, in the requests' order. */
export function loadBatch(sql: SqlQuery, keys: Array<{ participantId: string; idempotencyKey: string }>): LoadedRow[] {
	const batch = JSON.stringify(keys.map((k) => [k.participantId, k.idempotencyKey]));
	// Per request, in order: its participant's row and the log row of its key, if any.
	const rows = sql<LoadRow>`
		SELECT j.key AS i, p.id IS NOT NULL AS known, p.region, p.certificate, ${participantCounts},
			a.seq AS earlier_seq, a.type AS earlier_type, a.fingerprint AS earlier_fingerprint, a.status AS earlier_status
		FROM json_each(${batch}) j
		LEFT JOIN participants p ON p.id = j.value ->> 0
		LEFT JOIN actions a ON a.participant_id = j.value ->> 0 AND a.idempotency_key = j.value ->> 1`;
	const loaded: LoadedRow[] = keys.map(() => ({ participant: null, earlier: null }));
	for (const row of rows) {
		loaded[row.i] = {
			participant: row.known
				? {
						region: row.region,
						certificate: row.certificate,
						counts: countsOf(row),
					}
				: null,
			earlier:
				row.earlier_seq === null
					? null
					: {
							seq: row.earlier_seq,
							type: row.earlier_type as ActionType,
							fingerprint: row.earlier_fingerprint as string,
							status: row.earlier_status as number,
						},
		};
	}
	return loaded;
}

export interface ParticipantAddition {
	participantId: string;
	region: string | null;
	certificate: number | null;
	added: Record<ActionType, number>;
}

export function addToParticipants(sql: SqlQuery, now: number, additions: ParticipantAddition[]): void {
	if (additions.length === 0) return;
	const rows = additions.map((a) => [a.participantId, a.region, a.certificate, ...countsInColumnOrder(a.added)]);
	// Region, certificate and first count are set only where unset.
	sql`INSERT INTO participants (id, region, certificate, first_counted_at, ${actionColumnList})
		SELECT value ->> 0, value ->> 1, value ->> 2, ${now}, ${countsFromJson} FROM json_each(${JSON.stringify(rows)}) WHERE true
		ON CONFLICT (id) DO UPDATE SET
			region = coalesce(region, excluded.region),
			certificate = coalesce(certificate, excluded.certificate),
			first_counted_at = coalesce(first_counted_at, excluded.first_counted_at),
			${actionColumnsAddedFromExcluded}`;
}

export interface LogEntry {
	participantId: string;
	idempotencyKey: string;
	fingerprint: string;
	type: ActionType;
	counted: boolean;
	region: string | null;
	status: 201 | 409;
	blessing: { hans: string; hant: string; state: BlessingState } | null;
	/** Set once the entry is written. */
	seq: number;
}

const keyOf = (participantId: string, idempotencyKey: string) => `${participantId}\u0000${idempotencyKey}`;

/** Writes the batch's log entries and sets each one's sequence number, then the blessings of the counted ones. */
export function logActions(sql: SqlQuery, now: number, entries: LogEntry[]): void {
	if (entries.length === 0) return;
	const rows = entries.map((e) => [
		e.participantId,
		e.idempotencyKey,
		e.fingerprint,
		e.type,
		e.counted ? 1 : 0,
		e.region,
		e.status,
	]);
	const seqs = new Map(
		sql<{ seq: number; participant_id: string; idempotency_key: string }>`
			INSERT INTO actions (participant_id, idempotency_key, fingerprint, type, counted, region, at, status)
			SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, ${now}, value ->> 6
			FROM json_each(${JSON.stringify(rows)})
			RETURNING seq, participant_id, idempotency_key`.map((r) => [keyOf(r.participant_id, r.idempotency_key), r.seq]),
	);
	for (const e of entries) {
		const seq = seqs.get(keyOf(e.participantId, e.idempotencyKey));
		if (seq === undefined) throw new Error("an action of the batch was not logged");
		e.seq = seq;
	}
	const blessings = entries.flatMap((e) =>
		e.blessing ? [[e.seq, e.participantId, e.blessing.hans, e.blessing.hant, e.blessing.state]] : [],
	);
	if (blessings.length > 0)
		sql`INSERT INTO blessings (seq, participant_id, text_hans, text_hant, state, at)
			SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, ${now} FROM json_each(${JSON.stringify(blessings)})`;
}
