import { DurableObject } from "cloudflare:workers";
import { toBase64Url } from "../src/auth/base64url";
import { UNKNOWN_REGION } from "../src/domain/regions";
import { aggregatorIndexFor, aggregatorName, ceremonyObjectName } from "../src/domain/shard-routing";
import { ACTION_TYPES, type ActionCounts, type ActionType, zeroCounts } from "../src/schemas/common";
import { CertificateLease, LeaseExhausted } from "./certificate-lease";
import { adjustTotal, CounterDeltas } from "./counter-deltas";
import { PushSchedule } from "./push-schedule";
import type {
	ActionIdentity,
	ActionOutcome,
	ActionRequest,
	BlessingState,
	MinuteCount,
	NameState,
	ParticipantProfile,
	ProfileUpdateOutcome,
	RegionCounts,
	ShardAudit,
	ShardIdentity,
	ShardSnapshot,
	WallEntry,
} from "./shard-protocol";
import { SHARD_CONFIG_SCHEMA, SHARD_SCHEMA } from "./shard-schema";
import { migrate, type SqlQuery, sqlOf } from "./sql";

/** New published blessings sent per snapshot: the public wall is a recent sample, the log keeps all. */
const WALL_SAMPLE_PER_SNAPSHOT = 20;
/** Held blessings sent per snapshot: all reach the moderation queue, oldest first. */
const HELD_PER_SNAPSHOT = 50;

type ShardStateRow = {
	lease_next: number;
	lease_end: number;
	year: number | null;
	shard_count: number | null;
	shard_index: number | null;
	version: number;
	sealed: number;
	confirmed_version: number;
	confirmed_published_seq: number;
	confirmed_held_seq: number;
};

type ParticipantRow = {
	id: string;
	display_name: string | null;
	region: string | null;
	certificate: number | null;
	first_counted_at: number | null;
} & ActionCounts;

/**
 * One shard of a ceremony: the participants whose id hashes here, their action log, and the
 * counters that summarise it. Everything is in SQLite; memory holds no per-participant state.
 */
export class ShardDO extends DurableObject<Env> {
	private readonly sql: SqlQuery;
	private readonly lease: CertificateLease;
	private readonly pushes: PushSchedule;
	private fingerprintKey: Promise<CryptoKey> | null = null;

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.sql = sqlOf(ctx.storage);
		migrate(ctx.storage, SHARD_SCHEMA);
		migrate(ctx.storage, SHARD_CONFIG_SCHEMA);
		this.pushes = new PushSchedule(ctx.storage);
		this.lease = new CertificateLease(ctx.storage, (size) => this.requestLease(size));
	}

	private get state(): ShardStateRow {
		return this.sql<ShardStateRow>`SELECT * FROM shard_state WHERE id = 1`[0] as ShardStateRow;
	}

	/** Records the shard's identity at its first call and refuses any call that disagrees with it. */
	private identityProblem(identity: ShardIdentity): string | null {
		const state = this.state;
		if (state.year === null) {
			this.sql`UPDATE shard_state SET year = ${identity.year}, shard_count = ${identity.shardCount},
				shard_index = ${identity.shardIndex} WHERE id = 1`;
			return null;
		}
		if (
			state.year !== identity.year ||
			state.shard_count !== identity.shardCount ||
			state.shard_index !== identity.shardIndex
		) {
			return `this shard is ${state.shard_index} of ${state.shard_count} for ${state.year}, not ${identity.shardIndex} of ${identity.shardCount} for ${identity.year}`;
		}
		return null;
	}

	/**
	 * Takes a batch of actions and commits them in one transaction: every outcome is durable
	 * before the caller sees it (the output gate holds the reply until the commit is written).
	 */
	async perform(identity: ActionIdentity, requests: ActionRequest[]): Promise<ActionOutcome[]> {
		const wrong = this.identityProblem(identity);
		if (wrong) return requests.map(() => ({ kind: "wrong-shard", detail: wrong }));
		const configVersion = this.learnConfigVersion(identity.configVersion);
		if (identity.configVersion < configVersion) return requests.map(() => ({ kind: "stale-config", configVersion }));
		const salted = await this.salted(requests);
		const countable = salted.filter((r) => !r.replayOnly).length;
		await this.lease.ensure(countable);
		for (;;) {
			try {
				const outcomes = this.ctx.storage.transactionSync(() => this.commit(salted));
				await this.pushes.request();
				return outcomes;
			} catch (error) {
				// Another batch used the lease while this one waited: top it up and commit again.
				if (!(error instanceof LeaseExhausted)) throw error;
				await this.lease.ensure(countable);
			}
		}
	}

	/** The newest configuration version the shard has heard of (from the CeremonyDO or a Worker). */
	private learnConfigVersion(version: number): number {
		return (
			this.sql<{ config_version: number }>`UPDATE shard_config SET config_version = max(config_version, ${version})
				WHERE id = 1 RETURNING config_version`[0]?.config_version ?? version
		);
	}

	/** The CeremonyDO tells every shard of a new configuration version. */
	async configChanged(identity: ShardIdentity, configVersion: number): Promise<{ configVersion: number } | null> {
		if (this.identityProblem(identity)) return null;
		return { configVersion: this.learnConfigVersion(configVersion) };
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
		const state = this.state;
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
		const participant = this.participant(participantId);
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

	private participant(participantId: string): ParticipantRow | undefined {
		return this.sql<ParticipantRow>`SELECT * FROM participants WHERE id = ${participantId}`[0];
	}

	// ---- participants' profiles ----

	private nameStateOf(participantId: string): NameState {
		return (
			this.sql<{ state: NameState }>`SELECT state FROM name_reviews WHERE participant_id = ${participantId}`[0]
				?.state ?? "published"
		);
	}

	private profileOf(participantId: string): ParticipantProfile {
		const row = this.participant(participantId);
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

	async profile(identity: ShardIdentity, participantId: string): Promise<ParticipantProfile> {
		this.identityProblem(identity);
		return this.profileOf(participantId);
	}

	/**
	 * `displayName: null` clears the name; a region can change only before the first counted action.
	 * `nameHeld`: the word list holds the new name until the committee reviews it.
	 */
	async updateProfile(
		identity: ShardIdentity,
		participantId: string,
		change: { displayName?: string | null; region?: string; nameHeld?: boolean },
	): Promise<ProfileUpdateOutcome> {
		const wrong = this.identityProblem(identity);
		if (wrong) return { kind: "wrong-shard", detail: wrong };
		const current = this.profileOf(participantId);
		if (change.region !== undefined && current.regionFixed && change.region !== current.region) {
			return { kind: "region-fixed", profile: current };
		}
		const displayName = change.displayName === undefined ? current.displayName : change.displayName;
		const region = change.region ?? current.region;
		const underReview = this.sql`SELECT 1 FROM name_reviews WHERE participant_id = ${participantId}`.length > 0;
		const held = change.displayName !== undefined && change.displayName !== null && change.nameHeld === true;
		this.ctx.storage.transactionSync(() => {
			this.sql`INSERT INTO participants (id, display_name, region) VALUES (${participantId}, ${displayName}, ${region})
				ON CONFLICT (id) DO UPDATE SET display_name = excluded.display_name, region = excluded.region`;
			if (held) {
				this.sql`INSERT OR REPLACE INTO name_reviews (participant_id, state) VALUES (${participantId}, 'held')`;
			} else if (change.displayName !== undefined) {
				this.sql`DELETE FROM name_reviews WHERE participant_id = ${participantId}`;
			}
		});
		const reviewEnded = underReview && !held && change.displayName !== undefined;
		return { kind: "updated", profile: this.profileOf(participantId), reviewEnded };
	}

	/** Moderation of a display name: the name, or null when the participant has none (any more). */
	async setNameState(
		identity: ShardIdentity,
		participantId: string,
		state: "published" | "hidden",
	): Promise<string | null> {
		this.identityProblem(identity);
		const name = this.participant(participantId)?.display_name ?? null;
		if (name === null) return null;
		if (state === "published") this.sql`DELETE FROM name_reviews WHERE participant_id = ${participantId}`;
		else this.sql`INSERT OR REPLACE INTO name_reviews (participant_id, state) VALUES (${participantId}, 'hidden')`;
		return name;
	}

	/** Erases the participant's name and blessings; their counts stay. Returns the erased blessing ids. */
	async erase(identity: ShardIdentity, participantId: string): Promise<string[]> {
		this.identityProblem(identity);
		const shardIndex = identity.shardIndex;
		const erased = this.ctx.storage.transactionSync(() => {
			this.sql`UPDATE participants SET display_name = NULL WHERE id = ${participantId}`;
			this.sql`DELETE FROM name_reviews WHERE participant_id = ${participantId}`;
			const erased = this.sql<{ seq: number; state: BlessingState }>`
				SELECT seq, state FROM blessings WHERE participant_id = ${participantId} AND state != 'erased'`;
			this.sql`UPDATE blessings SET state = 'erased', text_hans = '', text_hant = ''
				WHERE participant_id = ${participantId}`;
			// A replay of the key must not confirm the text: its fingerprint goes too (410 from now on).
			this.sql`UPDATE actions SET fingerprint = '' WHERE participant_id = ${participantId} AND type = 'blessing'`;
			this.changeBlessingState(erased, "erased");
			return erased.map((b) => `${shardIndex}-${b.seq}`);
		});
		await this.pushes.request();
		return erased;
	}

	/** Moderation: publishes or hides a blessing. Null when the log has no such blessing (or it was erased). */
	async setBlessingState(
		identity: ShardIdentity,
		seq: number,
		state: "published" | "hidden",
	): Promise<BlessingState | null> {
		this.identityProblem(identity);
		const row = this.sql<{ state: BlessingState }>`SELECT state FROM blessings WHERE seq = ${seq}`[0];
		if (!row || row.state === "erased") return null;
		if (row.state !== state) {
			this.ctx.storage.transactionSync(() => {
				this.sql`UPDATE blessings SET state = ${state} WHERE seq = ${seq}`;
				this.changeBlessingState([row], state);
			});
			await this.pushes.request();
		}
		return state;
	}

	/** Keeps the published count and the snapshot version in step with a change of blessing states. */
	private changeBlessingState(before: Array<{ state: BlessingState }>, after: BlessingState): void {
		if (before.length === 0) return;
		const published = (state: BlessingState) => (state === "published" ? 1 : 0);
		const delta = before.reduce((sum, b) => sum + published(after) - published(b.state), 0);
		if (delta !== 0) adjustTotal(this.sql, "blessings_published", delta);
		this.sql`UPDATE shard_state SET version = version + 1 WHERE id = 1`;
	}

	// ---- snapshots ----

	/** The absolute counters, with minute buckets changed after `sinceVersion`. */
	snapshot(sinceVersion = 0): ShardSnapshot {
		const state = this.state;
		const totals = new Map(
			this.sql<{ metric: string; n: number }>`SELECT metric, n FROM totals`.map((r) => [r.metric, r.n]),
		);
		const actions = zeroCounts();
		for (const type of ACTION_TYPES) actions[type] = totals.get(type) ?? 0;
		const regions = new Map<string, RegionCounts>();
		for (const row of this.sql<{
			region: string;
			metric: string;
			n: number;
		}>`SELECT region, metric, n FROM region_counts`) {
			const entry = regions.get(row.region) ?? { region: row.region, participants: 0, ...zeroCounts() };
			entry[row.metric as keyof ActionCounts | "participants"] = row.n;
			regions.set(row.region, entry);
		}
		const now = Date.now();
		const counts = {
			version: state.version,
			takenAt: now,
			sealed: state.sealed === 1,
			participants: totals.get("participants") ?? 0,
			actions,
			blessingsPublished: totals.get("blessings_published") ?? 0,
		};
		const shardIndex = state.shard_index ?? -1;
		return {
			child: shardIndex,
			...counts,
			regions: [...regions.values()],
			minutes: this.sql<MinuteCount>`SELECT minute, type, n FROM minute_counts
				WHERE version > ${Math.min(sinceVersion, state.confirmed_version)}`,
			blessings: this.newBlessings(state),
			shards: [{ shardIndex, receivedAt: now, ...counts }],
		};
	}

	private newBlessings(state: ShardStateRow): WallEntry[] {
		type Row = {
			seq: number;
			participant_id: string;
			text_hans: string;
			text_hant: string;
			state: BlessingState;
			at: number;
			display_name: string | null;
			region: string | null;
		};
		// A name under review goes out as no name: the wall shows the anonymous label.
		const published = this
			.sql<Row>`SELECT b.*, CASE WHEN n.state IS NULL THEN p.display_name END AS display_name, p.region
			FROM blessings b JOIN participants p ON p.id = b.participant_id LEFT JOIN name_reviews n ON n.participant_id = b.participant_id
			WHERE b.seq > ${state.confirmed_published_seq} AND b.state = 'published' ORDER BY b.seq DESC LIMIT ${WALL_SAMPLE_PER_SNAPSHOT}`;
		const held = this.sql<Row>`SELECT b.*, CASE WHEN n.state IS NULL THEN p.display_name END AS display_name, p.region
			FROM blessings b JOIN participants p ON p.id = b.participant_id LEFT JOIN name_reviews n ON n.participant_id = b.participant_id
			WHERE b.seq > ${state.confirmed_held_seq} AND b.state = 'held' ORDER BY b.seq ASC LIMIT ${HELD_PER_SNAPSHOT}`;
		const shardIndex = state.shard_index ?? 0;
		return [...published, ...held].map((row) => ({
			id: `${shardIndex}-${row.seq}`,
			participantId: row.participant_id,
			hans: row.text_hans,
			hant: row.text_hant,
			displayName: row.display_name,
			region: row.region,
			state: row.state,
			createdAt: row.at,
		}));
	}

	private ceremony() {
		const year = this.state.year;
		if (year === null) throw new Error("shard has no ceremony yet");
		return this.env.CEREMONY.getByName(ceremonyObjectName(year));
	}

	private aggregator(state: ShardStateRow) {
		const { year, shard_count: shardCount, shard_index: shardIndex } = state;
		if (year === null || shardCount === null || shardIndex === null) throw new Error("shard has no ceremony yet");
		const aggregatorIndex = aggregatorIndexFor(shardIndex);
		return {
			identity: { year, shardCount, aggregatorIndex },
			stub: this.env.AGGREGATOR.getByName(aggregatorName(year, aggregatorIndex)),
		};
	}

	private async requestLease(size: number) {
		const state = this.state;
		return this.ceremony().leaseCertificates(state.year as number, state.shard_index as number, size);
	}

	/** Pushes the counters to the shard's aggregator; the cursors move only once it has them. */
	async pushSnapshot(): Promise<void> {
		const state = this.state;
		if (state.year === null) return;
		const snapshot = this.snapshot(state.confirmed_version);
		const { identity, stub } = this.aggregator(state);
		const outcome = await stub.applySnapshot(identity, snapshot);
		if (outcome.kind === "wrong-aggregator") throw new Error(outcome.detail);
		const published = snapshot.blessings.filter((b) => b.state === "published");
		const held = snapshot.blessings.filter((b) => b.state === "held");
		const seqOf = (b: WallEntry) => Number(b.id.split("-")[1]);
		const newestPublished = published.length ? Math.max(...published.map(seqOf)) : state.confirmed_published_seq;
		const newestHeld = held.length ? Math.max(...held.map(seqOf)) : state.confirmed_held_seq;
		this.sql`UPDATE shard_state SET confirmed_version = max(confirmed_version, ${snapshot.version}),
			confirmed_published_seq = max(confirmed_published_seq, ${newestPublished}),
			confirmed_held_seq = max(confirmed_held_seq, ${newestHeld}) WHERE id = 1`;
	}

	private get hasUnsentWork(): boolean {
		const state = this.state;
		if (state.version > state.confirmed_version) return true;
		return (
			this.sql`SELECT 1 FROM blessings WHERE (state = 'held' AND seq > ${state.confirmed_held_seq}) LIMIT 1`.length > 0
		);
	}

	override async alarm(): Promise<void> {
		this.pushes.begin();
		let pushAt: number | null = null;
		try {
			this.pushes.starting();
			await this.pushSnapshot();
			this.pushes.pushed();
			if (this.hasUnsentWork) pushAt = this.pushes.nextPushAt();
		} catch (error) {
			const delay = this.pushes.failed();
			console.error(`shard snapshot push failed (${this.pushes.failuresInRow}), next in ${delay} ms`, error);
			pushAt = Date.now() + delay;
		}
		await this.pushes.settle(pushAt, null);
	}

	/** Seals the shard (no new actions) and returns its final snapshot. */
	async seal(identity: ShardIdentity): Promise<ShardSnapshot> {
		this.identityProblem(identity);
		this.sql`UPDATE shard_state SET sealed = 1 WHERE id = 1`;
		return this.snapshot(0);
	}

	/** A full snapshot, for the CeremonyDO's pull of a stale shard. */
	async pullSnapshot(identity: ShardIdentity, sinceVersion: number): Promise<ShardSnapshot> {
		this.identityProblem(identity);
		return this.snapshot(sinceVersion);
	}

	// ---- audit ----

	/** Recounts the durable action log and compares it with the counters. */
	async audit(identity: ShardIdentity): Promise<ShardAudit> {
		this.identityProblem(identity);
		const state = this.state;
		const recountActions = zeroCounts();
		for (const row of this.sql<{
			type: ActionType;
			n: number;
		}>`SELECT type, count(*) AS n FROM actions WHERE counted = 1 GROUP BY type`) {
			recountActions[row.type] = row.n;
		}
		const recountParticipants =
			this.sql<{ n: number }>`SELECT count(DISTINCT participant_id) AS n FROM actions WHERE counted = 1`[0]?.n ?? 0;
		const recountPublished =
			this.sql<{ n: number }>`SELECT count(*) AS n FROM blessings WHERE state = 'published'`[0]?.n ?? 0;
		const snapshot = this.snapshot(0);
		const regionsMismatch =
			this.sql<{ n: number }>`
			WITH recount AS (
				SELECT region, type AS metric, count(*) AS n FROM actions WHERE counted = 1 GROUP BY region, type
				UNION ALL
				SELECT region, 'participants', count(*) FROM participants WHERE first_counted_at IS NOT NULL GROUP BY region
			)
			SELECT count(*) AS n FROM recount r FULL OUTER JOIN region_counts c ON c.region = r.region AND c.metric = r.metric
			WHERE coalesce(r.n, 0) != coalesce(c.n, 0)`[0]?.n ?? 0;
		const minutesMismatch =
			this.sql<{ n: number }>`
			WITH recount AS (SELECT (at / 60000) * 60000 AS minute, type, count(*) AS n FROM actions WHERE counted = 1 GROUP BY 1, 2)
			SELECT count(*) AS n FROM recount r FULL OUTER JOIN minute_counts c ON c.minute = r.minute AND c.type = r.type
			WHERE coalesce(r.n, 0) != coalesce(c.n, 0)`[0]?.n ?? 0;
		const recount = {
			participants: recountParticipants,
			actions: recountActions,
			blessingsPublished: recountPublished,
		};
		const counters = {
			participants: snapshot.participants,
			actions: snapshot.actions,
			blessingsPublished: snapshot.blessingsPublished,
		};
		return {
			shardIndex: state.shard_index ?? -1,
			version: state.version,
			recount,
			counters,
			regionsMatch: regionsMismatch === 0,
			minutesMatch: minutesMismatch === 0,
			match: JSON.stringify(recount) === JSON.stringify(counters) && regionsMismatch === 0 && minutesMismatch === 0,
		};
	}
}
