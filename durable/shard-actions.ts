import { toBase64Url } from "../src/auth/base64url";
import { UNKNOWN_REGION } from "../src/domain/regions";
import type { ActionType } from "../src/schemas/common";
import { type CertificateLease, LeaseExhausted } from "./certificate-lease";
import { CounterDeltas } from "./counter-deltas";
import type { PushSchedule } from "./push-schedule";
import type { ShardParticipants } from "./shard-participants";
import type { ActionOutcome, ActionRequest, BlessingState } from "./shard-protocol";
import type { ShardState } from "./shard-state";
import type { SqlQuery } from "./sql";

/**
 * The shard's action log: a batch of actions committed in one transaction, each checked against
 * its idempotency key and its limit, with the counters that summarise them.
 */
export class ActionLog {
	private fingerprintKey: Promise<CryptoKey> | null = null;

	constructor(
		private readonly sql: SqlQuery,
		private readonly storage: DurableObjectStorage,
		private readonly state: ShardState,
		private readonly participants: ShardParticipants,
		private readonly lease: CertificateLease,
		private readonly pushes: PushSchedule,
	) {}

	/**
	 * Commits the batch in one transaction: every outcome is durable before the caller sees it (the
	 * output gate holds the reply until the commit is written).
	 */
	async perform(configVersion: number, requests: ActionRequest[]): Promise<ActionOutcome[]> {
		const known = this.state.learnConfigVersion(configVersion);
		if (configVersion < known) return requests.map(() => ({ kind: "stale-config", configVersion: known }));
		const salted = await this.salted(requests);
		const countable = salted.filter((r) => !r.replayOnly).length;
		await this.lease.ensure(countable);
		for (;;) {
			try {
				const outcomes = this.storage.transactionSync(() => this.commit(salted));
				await this.pushes.request();
				return outcomes;
			} catch (error) {
				// Another batch used the lease while this one waited: top it up and commit again.
				if (!(error instanceof LeaseExhausted)) throw error;
				await this.lease.ensure(countable);
			}
		}
	}

	/**
	 * The requests with their fingerprints salted by this shard's own salt, so the log keeps no
	 * plain hash of a text that one could confirm by hashing a guess.
	 */
	private async salted(requests: ActionRequest[]): Promise<ActionRequest[]> {
		this.fingerprintKey ??= this.loadFingerprintKey();
		const key = await this.fingerprintKey;
		return Promise.all(
			requests.map(async (request) => {
				const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(request.fingerprint));
				return { ...request, fingerprint: toBase64Url(mac.slice(0, 16)) };
			}),
		);
	}

	private loadFingerprintKey(): Promise<CryptoKey> {
		let salt = this.sql<{ fingerprint_salt: string }>`SELECT fingerprint_salt FROM shard_secrets WHERE id = 1`[0]
			?.fingerprint_salt;
		if (!salt) {
			salt = toBase64Url(crypto.getRandomValues(new Uint8Array(32)));
			this.sql`INSERT INTO shard_secrets (id, fingerprint_salt) VALUES (1, ${salt})`;
		}
		return crypto.subtle.importKey("raw", new TextEncoder().encode(salt), { name: "HMAC", hash: "SHA-256" }, false, [
			"sign",
		]);
	}

	private commit(requests: ActionRequest[]): ActionOutcome[] {
		const now = Date.now();
		// One read of the shard's state per batch; the counters and the lease are written once, with the version.
		const state = this.state.read();
		const deltas = new CounterDeltas(now);
		this.lease.begin(state.lease_next, state.lease_end);
		const outcomes = requests.map((request) => this.commitOne(request, now, state.sealed === 1, deltas));
		if (!deltas.isEmpty) {
			const version = state.version + 1;
			deltas.write(this.sql, version);
			this.sql`UPDATE shard_state SET version = ${version}, lease_next = ${this.lease.used} WHERE id = 1`;
		}
		return outcomes;
	}

	private commitOne(request: ActionRequest, now: number, sealed: boolean, deltas: CounterDeltas): ActionOutcome {
		const { participantId, idempotencyKey, type } = request;
		const earlier = this.sql<{ seq: number; type: ActionType; fingerprint: string; status: number }>`
			SELECT seq, type, fingerprint, status FROM actions
			WHERE participant_id = ${participantId} AND idempotency_key = ${idempotencyKey}`[0];
		const participant = this.participants.row(participantId);
		if (earlier) {
			if (earlier.fingerprint === "") return { kind: "erased" };
			if (earlier.fingerprint !== request.fingerprint) return { kind: "key-reused" };
			const certificate = participant?.certificate ?? null;
			return earlier.status === 201 && certificate !== null
				? { kind: "accepted", seq: earlier.seq, type: earlier.type, certificate }
				: { kind: "over-limit", type: earlier.type, certificate };
		}
		if (sealed) return { kind: "sealed" };
		if (request.replayOnly) return { kind: "outside-window" };

		if ((participant?.[type] ?? 0) >= request.limit) {
			this.sql`INSERT INTO actions (participant_id, idempotency_key, fingerprint, type, counted, region, at, status)
				VALUES (${participantId}, ${idempotencyKey}, ${request.fingerprint}, ${type}, 0, NULL, ${now}, 409)`;
			return { kind: "over-limit", type, certificate: participant?.certificate ?? null };
		}

		const newcomer = participant?.certificate == null;
		const certificate = newcomer ? this.lease.take() : (participant?.certificate as number);
		const region = participant?.region ?? (request.country || UNKNOWN_REGION);
		const added = (t: ActionType) => (t === type ? 1 : 0);
		this.sql`INSERT INTO participants (id, region, certificate, first_counted_at, flower, incense, bow, blessing)
			VALUES (${participantId}, ${region}, ${certificate}, ${now},
				${added("flower")}, ${added("incense")}, ${added("bow")}, ${added("blessing")})
			ON CONFLICT (id) DO UPDATE SET
				region = coalesce(region, excluded.region),
				certificate = coalesce(certificate, excluded.certificate),
				first_counted_at = coalesce(first_counted_at, excluded.first_counted_at),
				flower = flower + excluded.flower, incense = incense + excluded.incense,
				bow = bow + excluded.bow, blessing = blessing + excluded.blessing`;
		const seq = this.sql<{ seq: number }>`
			INSERT INTO actions (participant_id, idempotency_key, fingerprint, type, counted, region, at, status)
			VALUES (${participantId}, ${idempotencyKey}, ${request.fingerprint}, ${type}, 1, ${region}, ${now}, 201)
			RETURNING seq`[0]?.seq as number;
		let published = false;
		if (request.blessing) {
			const state: BlessingState = request.blessing.held ? "held" : "published";
			published = state === "published";
			this.sql`INSERT INTO blessings (seq, participant_id, text_hans, text_hant, state, at)
				VALUES (${seq}, ${participantId}, ${request.blessing.hans}, ${request.blessing.hant}, ${state}, ${now})`;
		}
		deltas.count(type, region, newcomer, published);
		return { kind: "accepted", seq, type, certificate };
	}
}
