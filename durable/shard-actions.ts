import { toBase64Url } from "../src/auth/base64url";
import { UNKNOWN_REGION } from "../src/domain/regions";
import { type ActionType, zeroCounts } from "../src/schemas/common";
import { addToParticipants, type LoadedRow, type LogEntry, loadBatch, logActions } from "./action-batch-sql";
import { ActionFingerprint } from "./action-fingerprint";
import { type CertificateLease, LeaseExhausted } from "./certificate-lease";
import type { PushSchedule } from "./push-schedule";
import type { ActionOutcome, ActionRequest, BlessingState } from "./shard-protocol";
import type { ShardState } from "./shard-state";
import type { SqlQuery } from "./sql";

/** A request with its body's salted HMAC: all the log keeps of what was sent. */
type Fingerprinted = ActionRequest & { fingerprint: string };

/**
 * The shard's action log: a batch of actions committed in one transaction, each checked against
 * its idempotency key and its limit, with the counters that summarise them.
 */
export class ActionLog {
	private fingerprint: ActionFingerprint | null = null;
	/** Batches waiting for the next transaction, and whether one is being committed. */
	private readonly waiting: Array<{
		requests: Fingerprinted[];
		resolve: (outcomes: ActionOutcome[]) => void;
		reject: (error: unknown) => void;
	}> = [];
	private draining = false;

	constructor(
		private readonly sql: SqlQuery,
		private readonly storage: DurableObjectStorage,
		private readonly state: ShardState,
		private readonly lease: CertificateLease,
		private readonly pushes: PushSchedule,
	) {}

	/**
	 * Commits the batch: every outcome is durable before the caller sees it (the output gate holds
	 * the reply until the commit is written). Group commit: batches that arrive while a transaction
	 * is being written wait, and the next transaction takes them all.
	 */
	async perform(configVersion: number, requests: ActionRequest[]): Promise<ActionOutcome[]> {
		const known = this.state.learnConfigVersion(configVersion);
		if (configVersion < known) return requests.map(() => ({ kind: "stale-config", configVersion: known }));
		const salted = this.salted(requests);
		return new Promise((resolve, reject) => {
			this.waiting.push({ requests: salted, resolve, reject });
			if (!this.draining) void this.drain();
		});
	}

	private async drain(): Promise<void> {
		this.draining = true;
		try {
			while (this.waiting.length > 0) {
				const group = this.waiting.splice(0);
				try {
					const outcomes = await this.commitAll(group.flatMap((w) => w.requests));
					let at = 0;
					for (const w of group) {
						w.resolve(outcomes.slice(at, at + w.requests.length));
						at += w.requests.length;
					}
				} catch (error) {
					// One batch may be the cause: each is committed alone, so only its own caller fails.
					if (group.length === 1) group[0]?.reject(error);
					else for (const w of group) await this.commitAll(w.requests).then(w.resolve, w.reject);
				}
				// Batches that arrive while this transaction is written join the next one.
				await this.storage.sync();
			}
		} catch (error) {
			// The write failed (the runtime restarts the object): whoever waits gets the error.
			for (const w of this.waiting.splice(0)) w.reject(error);
		} finally {
			this.draining = false;
		}
	}

	private async commitAll(requests: Fingerprinted[]): Promise<ActionOutcome[]> {
		const countable = requests.filter((r) => !r.replayOnly).length;
		await this.lease.ensure(countable);
		for (;;) {
			try {
				const { outcomes, version } = this.storage.transactionSync(() => this.commit(requests));
				// The state row's copy follows only what has committed.
				if (version !== null) this.state.committed(version, this.lease.used);
				await this.pushes.request();
				return outcomes;
			} catch (error) {
				// Another batch used the lease while this one waited: top it up and commit again.
				if (!(error instanceof LeaseExhausted)) throw error;
				await this.lease.ensure(countable);
			}
		}
	}

	/** The requests with their bodies' salted HMACs (durable/action-fingerprint.ts). */
	private salted(requests: ActionRequest[]): Fingerprinted[] {
		this.fingerprint ??= new ActionFingerprint(this.fingerprintSalt());
		const fingerprint = this.fingerprint;
		return requests.map((request) => ({
			...request,
			fingerprint: fingerprint.of(request.body ?? request.fingerprint ?? ""),
		}));
	}

	private fingerprintSalt(): string {
		let salt = this.sql<{ fingerprint_salt: string }>`SELECT fingerprint_salt FROM shard_secrets WHERE id = 1`[0]
			?.fingerprint_salt;
		if (!salt) {
			salt = toBase64Url(crypto.getRandomValues(new Uint8Array(32)));
			this.sql`INSERT INTO shard_secrets (id, fingerprint_salt) VALUES (1, ${salt})`;
		}
		return salt;
	}

	/**
	 * The batch decided in memory from one read of its rows, in order, as if its actions ran one
	 * after another: a key met twice answers the second time as a replay of the first, and each
	 * participant's counts grow with the batch, so the limit holds inside it too. Then it is
	 * written with one statement per table, and the state once.
	 */
	private commit(requests: Fingerprinted[]): { outcomes: ActionOutcome[]; version: number | null } {
		const now = Date.now();
		const state = this.state.read();
		const sealed = state.sealed === 1;
		this.lease.begin(state.lease_next, state.lease_end);
		const loaded = loadBatch(this.sql, requests);
		const participants = new Map<string, Participant>();
		const logged = new Map<string, LogEntry>();
		const entries: LogEntry[] = [];
		/** Accepted outcomes whose sequence number is known once their entry is written. */
		const pending: Array<{ outcome: { seq: number }; entry: LogEntry }> = [];

		const outcomes = requests.map((request, n): ActionOutcome => {
			const { participantId, idempotencyKey, type } = request;
			const row = loaded[n] as LoadedRow;
			let participant = participants.get(participantId);
			if (!participant) {
				participant = {
					...(row.participant ?? { region: null, certificate: null, counts: zeroCounts() }),
					added: null,
				};
				participant.counts = { ...participant.counts };
				participants.set(participantId, participant);
			}
			const key = `${participantId}\u0000${idempotencyKey}`;
			const entry = logged.get(key);
			const earlier = entry ?? row.earlier;
			if (earlier) {
				if (earlier.fingerprint === "") return { kind: "erased" };
				if (earlier.fingerprint !== request.fingerprint) return { kind: "key-reused" };
				const certificate = participant.certificate;
				if (earlier.status !== 201 || certificate === null)
					return { kind: "over-limit", type: earlier.type, certificate };
				const outcome = { kind: "accepted" as const, seq: earlier.seq, type: earlier.type, certificate };
				if (entry) pending.push({ outcome, entry });
				return outcome;
			}
			if (sealed) return { kind: "sealed" };
			if (request.replayOnly) return { kind: "outside-window" };

			const log = (counted: boolean, region: string | null, blessing: LogEntry["blessing"]): LogEntry => {
				const created: LogEntry = {
					participantId,
					idempotencyKey,
					fingerprint: request.fingerprint,
					type,
					counted,
					region,
					status: counted ? 201 : 409,
					blessing,
					seq: 0,
				};
				logged.set(key, created);
				entries.push(created);
				return created;
			};
			if (participant.counts[type] >= request.limit) {
				log(false, null, null);
				return { kind: "over-limit", type, certificate: participant.certificate };
			}

			if (participant.certificate === null) participant.certificate = this.lease.take();
			participant.region ??= request.country || UNKNOWN_REGION;
			participant.counts[type]++;
			participant.added ??= zeroCounts();
			participant.added[type]++;
			const { blessing } = request;
			const blessingState: BlessingState = blessing?.held ? "held" : "published";
			const created = log(
				true,
				participant.region,
				blessing && { hans: blessing.hans, hant: blessing.hant, state: blessingState },
			);
			const outcome = { kind: "accepted" as const, seq: 0, type, certificate: participant.certificate as number };
			pending.push({ outcome, entry: created });
			return outcome;
		});

		addToParticipants(
			this.sql,
			now,
			[...participants].flatMap(([participantId, p]) =>
				p.added ? [{ participantId, region: p.region, certificate: p.certificate, added: p.added }] : [],
			),
		);
		logActions(this.sql, now, entries);
		for (const { outcome, entry } of pending) outcome.seq = entry.seq;
		// The counters are folded in from the log later (durable/shard-counters.ts): a batch writes none.
		if (!entries.some((e) => e.counted)) return { outcomes, version: null };
		const version = state.version + 1;
		this.state.writeBatch(version, this.lease.used);
		return { outcomes, version };
	}
}

/** A participant of the batch: their row as read, with what the batch added so far. */
interface Participant {
	region: string | null;
	certificate: number | null;
	counts: Record<ActionType, number>;
	added: Record<ActionType, number> | null;
}
