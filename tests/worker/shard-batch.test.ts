import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ShardDO } from "../../durable/shard";
import { ActionLog } from "../../durable/shard-actions";
import type { ActionOutcome, ActionRequest, RegionCounts, ShardIdentity } from "../../durable/shard-protocol";
import { toBase64Url } from "../../src/auth/base64url";
import { aggregatorIndexFor, aggregatorName, shardName } from "../../src/domain/shard-routing";
import type { ActionType } from "../../src/schemas/common";
import { outcomeOf, YEAR } from "./helpers";

/** A ceremony of its own: its shards get batches made by hand, as the Worker's batcher could make them. */
const year = YEAR + 16;
const identityOf = (shardIndex: number): ShardIdentity => ({ year, shardCount: 4, shardIndex });
const shardOf = (shardIndex: number) => env.SHARD.getByName(shardName(year, shardIndex));

const request = (
	participantId: string,
	key: string,
	type: ActionType,
	options: { body?: string; limit?: number; replayOnly?: boolean } = {},
): ActionRequest => ({
	participantId,
	idempotencyKey: key,
	type,
	body: `${type}\n${options.body ?? ""}`,
	blessing:
		type === "blessing" ? { hans: options.body ?? "国泰民安", hant: options.body ?? "國泰民安", held: false } : null,
	limit: options.limit ?? 10,
	country: "JP",
	...(options.replayOnly ? { replayOnly: true } : {}),
});

async function ceremonyOpen() {
	await env.CEREMONY.getByName(`${year}`).getConfig(year, { shardCount: 4, openNow: true });
}

const accepted = (outcome: ActionOutcome | undefined) => outcomeOf(outcome as ActionOutcome, "accepted");

const logOf = (shardIndex: number) =>
	runInDurableObject(shardOf(shardIndex), (_instance, state) =>
		state.storage.sql
			.exec<{ participant_id: string; idempotency_key: string; status: number }>(
				"SELECT participant_id, idempotency_key, status FROM actions ORDER BY seq",
			)
			.toArray(),
	);

afterEach(() => {
	vi.restoreAllMocks();
});

describe("one batch at a shard", () => {
	it("answers its actions as if they ran one after another: keys met twice, limits, refusals among acceptances", async () => {
		await ceremonyOpen();
		const own = identityOf(1);
		const shard = shardOf(1);
		const perform = (requests: ActionRequest[]) => shard.perform({ ...own, configVersion: 1 }, requests);

		const first = await perform([
			request("p1", "key-a", "flower"),
			// The same key again in the same batch: the first answer, counted once.
			request("p1", "key-a", "flower"),
			// The same key with another body: refused.
			request("p1", "key-a", "bow"),
			// A second flower over a limit of one, refused, and its replay in the same batch.
			request("p1", "key-b", "flower", { limit: 1 }),
			request("p1", "key-b", "flower", { limit: 1 }),
			// Another participant's key of the same name is another action.
			request("p2", "key-a", "blessing"),
			request("p1", "key-c", "incense"),
			// A limit of two within one batch.
			request("p3", "key-x", "flower", { limit: 2 }),
			request("p3", "key-y", "flower", { limit: 2 }),
			request("p3", "key-z", "flower", { limit: 2 }),
			// Outside the window a new key counts nothing, in a batch with counted ones.
			request("p4", "key-late", "bow", { replayOnly: true }),
		]);
		expect(first).toHaveLength(11);
		const a = accepted(first[0]);
		expect(first[1]).toEqual(a);
		expect(first[2]).toEqual({ kind: "key-reused" });
		expect(first[3]).toEqual({ kind: "over-limit", type: "flower", certificate: a.certificate });
		expect(first[4]).toEqual(first[3]);
		const blessing = accepted(first[5]);
		expect(blessing.certificate).not.toBe(a.certificate);
		const incense = accepted(first[6]);
		expect(incense.certificate).toBe(a.certificate);
		const x = accepted(first[7]);
		const y = accepted(first[8]);
		expect(y.certificate).toBe(x.certificate);
		expect(first[9]).toEqual({ kind: "over-limit", type: "flower", certificate: x.certificate });
		expect(first[10]).toEqual({ kind: "outside-window" });
		expect(new Set([a, blessing, incense, x, y].map((o) => o.seq)).size).toBe(5);
		expect(new Set([a, blessing, x].map((o) => o.certificate)).size).toBe(3);

		// Replays of committed keys, among new actions and twice over: the first answers, nothing counted again.
		const again = await perform([
			request("p3", "key-z", "flower", { limit: 2 }),
			request("p1", "key-a", "flower"),
			request("p5", "key-n", "bow"),
			request("p1", "key-b", "flower", { limit: 1 }),
			request("p2", "key-a", "blessing"),
			request("p1", "key-a", "flower"),
			request("p5", "key-n", "bow"),
			request("p1", "key-c", "flower"),
		]);
		expect(again[0]).toEqual(first[9]);
		expect(again[1]).toEqual(a);
		const bow = accepted(again[2]);
		expect(again[3]).toEqual(first[3]);
		expect(again[4]).toEqual(blessing);
		expect(again[5]).toEqual(a);
		expect(again[6]).toEqual(bow);
		expect(again[7]).toEqual({ kind: "key-reused" });

		// Concurrent RPCs with the same new key: one action, one answer.
		const [left, right] = await Promise.all([
			perform([request("p6", "key-twice", "incense"), request("p7", "key-left", "bow")]),
			perform([request("p8", "key-right", "bow"), request("p6", "key-twice", "incense")]),
		]);
		expect(left?.[0]).toEqual(right?.[1]);
		accepted(left?.[0]);

		// The log has each key once, refusals with 409; the counters match it.
		const log = await logOf(1);
		expect(log.map((r) => `${r.participant_id}/${r.idempotency_key}/${r.status}`).sort()).toEqual(
			[
				"p1/key-a/201",
				"p1/key-b/409",
				"p2/key-a/201",
				"p1/key-c/201",
				"p3/key-x/201",
				"p3/key-y/201",
				"p3/key-z/409",
				"p5/key-n/201",
				"p6/key-twice/201",
				"p7/key-left/201",
				"p8/key-right/201",
			].sort(),
		);
		const { audit } = outcomeOf(await shard.audit(own), "audited");
		expect(audit.match).toBe(true);
		expect(audit.counters).toEqual({
			participants: 7,
			actions: { flower: 3, incense: 2, bow: 3, blessing: 1 },
			blessingsPublished: 1,
		});
		const { profile } = outcomeOf(await shard.profile(own, "p1"), "profile");
		expect(profile).toMatchObject({
			certificate: a.certificate,
			region: "JP",
			actions: { flower: 1, incense: 1, bow: 0, blessing: 0 },
		});
		expect(outcomeOf(await shard.profile(own, "p4"), "profile").profile.certificate).toBeNull();
	});

	it("answers an erased key 410 and a sealed shard's new keys 403 inside batches of counted actions", async () => {
		await ceremonyOpen();
		const own = identityOf(2);
		const shard = shardOf(2);
		const perform = (requests: ActionRequest[]) => shard.perform({ ...own, configVersion: 1 }, requests);

		const [words, flower] = await perform([request("q1", "q-bless", "blessing"), request("q1", "q-flower", "flower")]);
		accepted(words);
		const counted = accepted(flower);
		outcomeOf(await shard.erase(own, "q1"), "erased");

		const mixed = await perform([
			request("q2", "q-new", "bow"),
			request("q1", "q-bless", "blessing"),
			request("q1", "q-flower", "flower"),
			request("q1", "q-bless", "blessing", { body: "另一句话" }),
			request("q1", "q-bow", "bow"),
		]);
		const bow = accepted(mixed[0]);
		expect(mixed[1]).toEqual({ kind: "erased" });
		expect(mixed[2]).toEqual(counted);
		expect(mixed[3]).toEqual({ kind: "erased" });
		expect(accepted(mixed[4]).certificate).toBe(counted.certificate);

		outcomeOf(await shard.seal(own), "snapshot");
		const sealed = await perform([
			request("q3", "q-after", "flower"),
			request("q2", "q-new", "bow"),
			request("q1", "q-bless", "blessing"),
			request("q3", "q-after", "flower"),
		]);
		expect(sealed).toEqual([{ kind: "sealed" }, bow, { kind: "erased" }, { kind: "sealed" }]);

		const { audit } = outcomeOf(await shard.audit(own), "audited");
		expect(audit.match).toBe(true);
		expect(audit.counters).toEqual({
			participants: 2,
			actions: { flower: 1, incense: 0, bow: 2, blessing: 1 },
			blessingsPublished: 0,
		});
		expect((await logOf(2)).length).toBe(4);
	});

	it("commits RPCs that arrive while a transaction is written in the next one, each with its own answers", async () => {
		await ceremonyOpen();
		const own = identityOf(3);
		const shard = shardOf(3);
		const commits = vi.spyOn(
			ActionLog.prototype as unknown as { commitAll: (requests: ActionRequest[]) => Promise<ActionOutcome[]> },
			"commitAll",
		);
		const rpcs = Array.from({ length: 40 }, (_, n) =>
			shard.perform({ ...own, configVersion: 1 }, [
				request(`g${n}`, "g-key", "flower"),
				// Every fifth RPC repeats the key of the one before it: one action, the same answer.
				request(`g${n % 5 === 4 ? n - 1 : n}`, n % 5 === 4 ? "g-key" : "g-other", n % 5 === 4 ? "flower" : "bow"),
			]),
		);
		const answers = await Promise.all(rpcs);
		console.log(`40 concurrent RPCs at one shard: ${commits.mock.calls.length} transactions`);
		expect(commits.mock.calls.length).toBeLessThan(40);
		for (const [n, [flower, second]] of answers.entries()) {
			const mine = accepted(flower);
			if (n % 5 === 4) expect(second).toEqual(answers[n - 1]?.[0]);
			else expect(accepted(second).certificate).toBe(mine.certificate);
		}
		const { audit } = outcomeOf(await shard.audit(own), "audited");
		expect(audit.match).toBe(true);
		expect(audit.counters.participants).toBe(40);
		expect(audit.counters.actions).toEqual({ flower: 40, incense: 0, bow: 32, blessing: 0 });
	});

	it("takes the body from this release's Worker and the hash from the previous one's, and counts both", async () => {
		await ceremonyOpen();
		const own = { ...identityOf(0), configVersion: 1 };
		const shard = shardOf(0);
		const { body: _body, ...previous } = request("v1", "old-key", "flower");
		const legacy = { ...previous, fingerprint: "AAAAAAAAAAAAAAAAAAAAAA" } as unknown as ActionRequest;
		const [counted, replayed, reused] = await shard.perform(own, [
			legacy,
			legacy,
			{ ...legacy, fingerprint: "BBBBBBBBBBBBBBBBBBBBBB" } as unknown as ActionRequest,
		]);
		expect(replayed).toEqual(accepted(counted));
		expect(reused).toEqual({ kind: "key-reused" });
		const [fresh, again, other] = await shard.perform(own, [
			request("v2", "new-key", "blessing", { body: "国泰民安" }),
			request("v2", "new-key", "blessing", { body: "国泰民安" }),
			request("v2", "new-key", "blessing", { body: "國泰民安" }),
		]);
		expect(again).toEqual(accepted(fresh));
		expect(other).toEqual({ kind: "key-reused" });
		const stored = await runInDurableObject(shard, (_instance, state) =>
			state.storage.sql
				.exec<{ fingerprint: string }>("SELECT fingerprint FROM actions WHERE participant_id = 'v2'")
				.one(),
		);
		// The log keeps a salted HMAC, never the text the Worker sent.
		expect(stored.fingerprint).not.toContain("国泰民安");
		expect(stored.fingerprint).toMatch(/^[A-Za-z0-9_-]{22}$/);
	});

	it("keeps the same fingerprint as WebCrypto's HMAC-SHA-256 under the shard's salt, so a retry logged by an earlier release still matches", async () => {
		await ceremonyOpen();
		const own = { ...identityOf(1), configVersion: 1 };
		const shard = shardOf(1);
		const bodies = ["", "flower\n", "blessing\n國泰民安，風調雨順", `blessing\n${"福".repeat(200)}`];
		await shard.perform(
			own,
			bodies.map((body, n) => ({ ...request(`fp${n}`, "k", "flower"), body })),
		);
		const { salt, rows } = await runInDurableObject(shard, (_instance, state) => ({
			salt: state.storage.sql
				.exec<{ fingerprint_salt: string }>("SELECT fingerprint_salt FROM shard_secrets WHERE id = 1")
				.one().fingerprint_salt,
			rows: state.storage.sql
				.exec<{ participant_id: string; fingerprint: string }>(
					"SELECT participant_id, fingerprint FROM actions WHERE participant_id LIKE 'fp%' ORDER BY participant_id",
				)
				.toArray(),
		}));
		const utf8 = new TextEncoder();
		const key = await crypto.subtle.importKey("raw", utf8.encode(salt), { name: "HMAC", hash: "SHA-256" }, false, [
			"sign",
		]);
		const expected = await Promise.all(
			bodies.map(async (body) => toBase64Url((await crypto.subtle.sign("HMAC", key, utf8.encode(body))).slice(0, 16))),
		);
		expect(rows.map((r) => r.fingerprint)).toEqual(expected);
	});
});

/** A ceremony of four shards of its own: their identities, their stubs, and opening it. */
function ceremonyOfFourShards(ceremonyYear: number) {
	return {
		identityIn: (shardIndex: number): ShardIdentity => ({ year: ceremonyYear, shardCount: 4, shardIndex }),
		shardIn: (shardIndex: number) => env.SHARD.getByName(shardName(ceremonyYear, shardIndex)),
		open: () => env.CEREMONY.getByName(`${ceremonyYear}`).getConfig(ceremonyYear, { shardCount: 4, openNow: true }),
	};
}

/** An action of the participant as if made from `country`. */
const inRegion = (participantId: string, key: string, type: ActionType, country: string): ActionRequest => ({
	...request(participantId, key, type),
	country,
});

describe("a shard's snapshot", () => {
	// A ceremony of its own, so its shards hold only what these tests count.
	const regionYear = YEAR + 18;
	const { identityIn, shardIn, open } = ceremonyOfFourShards(regionYear);
	const regionsOf = (snapshot: { regions: RegionCounts[] }) =>
		[...snapshot.regions].sort((a, b) => a.region.localeCompare(b.region));

	it("sends only the regions changed since the version its aggregator confirmed, each whole, and the tree keeps the rest", async () => {
		await open();
		const own = { ...identityIn(1), configVersion: 1 };
		const shard = shardIn(1);
		await shard.perform(own, [
			inRegion("r1", "r1-flower", "flower", "JP"),
			inRegion("r2", "r2-flower", "flower", "US"),
		]);
		// The push: the aggregator has both regions, and the shard its confirmation.
		await runDurableObjectAlarm(shard);
		const pushed = outcomeOf(await shard.pullSnapshot(identityIn(1), 0), "snapshot").snapshot;
		expect(regionsOf(pushed).map((r) => r.region)).toEqual(["JP", "US"]);

		await shard.perform(own, [inRegion("r1", "r1-incense", "incense", "JP")]);
		const { snapshot } = outcomeOf(await shard.pullSnapshot(identityIn(1), pushed.version), "snapshot");
		expect(snapshot.version).toBe(pushed.version + 1);
		expect(snapshot.regions).toEqual([{ region: "JP", participants: 1, flower: 1, incense: 1, bow: 0, blessing: 0 }]);
		// An aggregator that holds nothing of the shard gets every region.
		expect(regionsOf(outcomeOf(await shard.pullSnapshot(identityIn(1), 0), "snapshot").snapshot)).toHaveLength(2);

		await runDurableObjectAlarm(shard);
		const aggregatorIndex = aggregatorIndexFor(1);
		const aggregator = env.AGGREGATOR.getByName(aggregatorName(regionYear, aggregatorIndex));
		const merged = outcomeOf(
			await aggregator.pullSnapshot({ year: regionYear, shardCount: 4, aggregatorIndex }, 0),
			"snapshot",
		).snapshot;
		expect(regionsOf(merged)).toEqual([
			{ region: "JP", participants: 1, flower: 1, incense: 1, bow: 0, blessing: 0 },
			{ region: "US", participants: 1, flower: 1, incense: 0, bow: 0, blessing: 0 },
		]);
	});

	it("adds the regions' version to a shard created before it, and goes on counting", async () => {
		await open();
		const own = { ...identityIn(2), configVersion: 1 };
		const shard = shardIn(2);
		await shard.perform(own, [inRegion("m1", "m1-flower", "flower", "JP")]);
		const columns = () =>
			runInDurableObject(
				shard,
				(_instance, state) => state.storage.sql.exec("SELECT * FROM region_counts LIMIT 0").columnNames,
			);
		// Its snapshot pushed first, so no alarm runs the new code against the old table.
		await runDurableObjectAlarm(shard);
		// As a shard of the previous release has it.
		await runInDurableObject(shard, (_instance, state) => {
			state.storage.sql.exec("ALTER TABLE region_counts DROP COLUMN version");
		});
		expect(await columns()).not.toContain("version");
		await evictDurableObject(shard);

		const [counted] = await shard.perform(own, [inRegion("m2", "m2-flower", "flower", "TW")]);
		accepted(counted);
		expect(await columns()).toContain("version");
		const { snapshot } = outcomeOf(await shard.pullSnapshot(identityIn(2), 0), "snapshot");
		expect(regionsOf(snapshot).map((r) => [r.region, r.participants])).toEqual([
			["JP", 1],
			["TW", 1],
		]);
		const { audit } = outcomeOf(await shard.audit(identityIn(2)), "audited");
		expect(audit.match).toBe(true);
	});
});

describe("a shard's counters", () => {
	// A ceremony of its own, and no snapshot pushes while a test runs: each fold is the test's own.
	const { identityIn, shardIn, open } = ceremonyOfFourShards(YEAR + 19);
	const totalsRows = (shardIndex: number) =>
		runInDurableObject(shardIn(shardIndex), (_instance, state) =>
			state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM totals").one(),
		);

	it("are not written by a batch, and catch up with the log before a snapshot and before a blessing's state moves", async () => {
		vi.spyOn(ShardDO.prototype, "alarm").mockResolvedValue(undefined);
		await open();
		const own = { ...identityIn(0), configVersion: 1 };
		const shard = shardIn(0);
		const [, blessed] = await shard.perform(own, [
			inRegion("c1", "c1-flower", "flower", "JP"),
			inRegion("c1", "c1-blessing", "blessing", "JP"),
			inRegion("c2", "c2-flower", "flower", "US"),
		]);
		expect(await totalsRows(0)).toEqual({ n: 0 });

		// Hidden before any snapshot: the fold counts it as published first, then the count moves.
		expect(await shard.setBlessingState(identityIn(0), accepted(blessed).seq, "hidden")).toEqual({
			kind: "moderated",
			state: "hidden",
		});
		await shard.perform(own, [inRegion("c1", "c1-incense", "incense", "JP")]);
		const { snapshot } = outcomeOf(await shard.pullSnapshot(identityIn(0), 0), "snapshot");
		expect(snapshot.participants).toBe(2);
		expect(snapshot.actions).toEqual({ flower: 2, incense: 1, bow: 0, blessing: 1 });
		expect(snapshot.blessingsPublished).toBe(0);
		expect([...snapshot.regions].sort((a, b) => a.region.localeCompare(b.region))).toEqual([
			{ region: "JP", participants: 1, flower: 1, incense: 1, bow: 0, blessing: 1 },
			{ region: "US", participants: 1, flower: 1, incense: 0, bow: 0, blessing: 0 },
		]);
		expect(snapshot.minutes.reduce((n, m) => n + m.n, 0)).toBe(4);
		// Folded once: a second snapshot counts nothing again.
		const again = outcomeOf(await shard.pullSnapshot(identityIn(0), 0), "snapshot").snapshot;
		expect({ ...again, takenAt: 0, shards: [] }).toEqual({ ...snapshot, takenAt: 0, shards: [] });
		const { audit } = outcomeOf(await shard.audit(identityIn(0)), "audited");
		expect(audit.match).toBe(true);
	});

	it("start from the end of the log in a shard created before they were folded, which counted every action as it came", async () => {
		vi.spyOn(ShardDO.prototype, "alarm").mockResolvedValue(undefined);
		await open();
		const own = { ...identityIn(1), configVersion: 1 };
		const shard = shardIn(1);
		await shard.perform(own, [inRegion("o1", "o1-flower", "flower", "JP"), inRegion("o2", "o2-bow", "bow", "TW")]);
		// Its counters hold its whole log, and it has no record of a fold, as a shard of the previous release.
		outcomeOf(await shard.pullSnapshot(identityIn(1), 0), "snapshot");
		await runInDurableObject(shard, (_instance, state) => {
			state.storage.sql.exec("ALTER TABLE shard_state DROP COLUMN folded_seq");
		});
		await evictDurableObject(shard);

		await shard.perform(own, [inRegion("o1", "o1-incense", "incense", "JP")]);
		const { snapshot } = outcomeOf(await shard.pullSnapshot(identityIn(1), 0), "snapshot");
		expect(snapshot.participants).toBe(2);
		expect(snapshot.actions).toEqual({ flower: 1, incense: 1, bow: 1, blessing: 0 });
		const { audit } = outcomeOf(await shard.audit(identityIn(1)), "audited");
		expect(audit.match).toBe(true);
	});
});
