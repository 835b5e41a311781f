import { ACTION_TYPES, type ActionType } from "../src/schemas/common";
import { ACTION_COLUMNS } from "./action-columns";
import type { BlessingState } from "./shard-protocol";
import type { SqlText } from "./sql";

/**
 * A batch of actions read and written set-based: each statement takes the whole batch as one
 * JSON array bound as a value and walks it with `json_each`, so a batch costs the same few
 * statements whatever its size. Column lists follow ACTION_TYPES.
 */

/** Per request of the batch, in order: its participant's row and the log row of its key, if any. */
const LOAD = `
SELECT j.key AS i, p.id IS NOT NULL AS known, p.region, p.certificate, ${ACTION_TYPES.map((t) => `p.${t}`).join(", ")},
	a.seq AS earlier_seq, a.type AS earlier_type, a.fingerprint AS earlier_fingerprint, a.status AS earlier_status
FROM json_each(?) j
LEFT JOIN participants p ON p.id = j.value ->> 0
LEFT JOIN actions a ON a.participant_id = j.value ->> 0 AND a.idempotency_key = j.value ->> 1`;

/** Adds each participant's new counts; region, certificate and first count are set only where unset. */
const ADD_TO_PARTICIPANTS = `
INSERT INTO participants (id, region, certificate, first_counted_at, ${ACTION_COLUMNS})
SELECT value ->> 0, value ->> 1, value ->> 2, ?, ${ACTION_TYPES.map((_, n) => `value ->> ${n + 3}`).join(", ")}
FROM json_each(?) WHERE true
ON CONFLICT (id) DO UPDATE SET
	region = coalesce(region, excluded.region),
	certificate = coalesce(certificate, excluded.certificate),
	first_counted_at = coalesce(first_counted_at, excluded.first_counted_at),
	${ACTION_TYPES.map((t) => `${t} = ${t} + excluded.${t}`).join(", ")}`;

const LOG_ACTIONS = `
INSERT INTO actions (participant_id, idempotency_key, fingerprint, type, counted, region, at, status)
SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, ?, value ->> 6
FROM json_each(?)
RETURNING seq, participant_id, idempotency_key`;

const STORE_BLESSINGS = `
INSERT INTO blessings (seq, participant_id, text_hans, text_hant, state, at)
SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, ? FROM json_each(?)`;

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
export function loadBatch(sql: SqlText, keys: Array<{ participantId: string; idempotencyKey: string }>): LoadedRow[] {
	const rows = sql<LoadRow>(LOAD, JSON.stringify(keys.map((k) => [k.participantId, k.idempotencyKey])));
	const loaded: LoadedRow[] = keys.map(() => ({ participant: null, earlier: null }));
	for (const row of rows) {
		loaded[row.i] = {
			participant: row.known
				? {
						region: row.region,
						certificate: row.certificate,
						counts: Object.fromEntries(ACTION_TYPES.map((t) => [t, row[t] ?? 0])) as Record<ActionType, number>,
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

export function addToParticipants(sql: SqlText, now: number, additions: ParticipantAddition[]): void {
	if (additions.length === 0) return;
	const rows = additions.map((a) => [a.participantId, a.region, a.certificate, ...ACTION_TYPES.map((t) => a.added[t])]);
	sql(ADD_TO_PARTICIPANTS, now, JSON.stringify(rows));
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
export function logActions(sql: SqlText, now: number, entries: LogEntry[]): void {
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
		sql<{ seq: number; participant_id: string; idempotency_key: string }>(LOG_ACTIONS, now, JSON.stringify(rows)).map(
			(r) => [keyOf(r.participant_id, r.idempotency_key), r.seq],
		),
	);
	for (const e of entries) {
		const seq = seqs.get(keyOf(e.participantId, e.idempotencyKey));
		if (seq === undefined) throw new Error("an action of the batch was not logged");
		e.seq = seq;
	}
	const blessings = entries.flatMap((e) =>
		e.blessing ? [[e.seq, e.participantId, e.blessing.hans, e.blessing.hant, e.blessing.state]] : [],
	);
	if (blessings.length > 0) sql(STORE_BLESSINGS, now, JSON.stringify(blessings));
}
