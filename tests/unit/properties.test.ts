import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SnapshotMerge } from "../../durable/snapshot-merge";
import type { Snapshot } from "../../durable/snapshot-protocol";
import { sqlOf } from "../../durable/sql";
import { issueParticipantToken, newParticipantId, verifyParticipantToken } from "../../src/auth/participant-token";
import { normaliseText } from "../../src/domain/blessing-text";
import { ActionInput } from "../../src/schemas/action";
import { CeremonyInput } from "../../src/schemas/ceremony";

const TYPES = ["flower", "incense", "bow", "blessing"] as const;

describe("request schemas", () => {
	it("never throw, and accept exactly the well-formed actions", () => {
		fc.assert(
			fc.property(fc.jsonValue(), (value) => {
				const result = ActionInput.safeParse(value);
				if (result.success) {
					expect(TYPES).toContain(result.data.type);
					expect(result.data.type === "blessing").toBe(typeof result.data.message === "string");
				}
			}),
			{ numRuns: 2000 },
		);
		fc.assert(
			fc.property(fc.constantFrom(...TYPES), fc.string({ minLength: 1, maxLength: 200 }), (type, message) => {
				const body = type === "blessing" ? { type, message } : { type };
				expect(ActionInput.safeParse(body).success).toBe(true);
			}),
		);
	});

	it("never throw on any ceremony configuration", () => {
		fc.assert(
			fc.property(fc.anything(), (value) => void CeremonyInput.safeParse(value)),
			{ numRuns: 1000 },
		);
	});

	it("normalise text to a fixed point with no invisible characters", () => {
		fc.assert(
			fc.property(fc.string({ unit: "grapheme", maxLength: 60 }), (raw) => {
				const once = normaliseText(raw);
				expect(normaliseText(once)).toBe(once);
				expect(once).not.toMatch(/[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\u0000-\u001f]|^\s|\s$|\s\s/);
			}),
			{ numRuns: 2000 },
		);
	});
});

describe("participant tokens", () => {
	it("verify what was issued, and nothing altered or made up", async () => {
		await fc.assert(
			fc.asyncProperty(
				fc.nat({ max: 999 }),
				fc.nat(),
				fc.string({ minLength: 1, maxLength: 1 }),
				async (seed, at, replacement) => {
					const id = newParticipantId();
					const token = await issueParticipantToken(id, `secret-${seed}`);
					expect(await verifyParticipantToken(token, `secret-${seed}`)).toBe(id);
					const position = at % token.length;
					const altered = token.slice(0, position) + replacement + token.slice(position + 1);
					if (altered !== token) expect(await verifyParticipantToken(altered, `secret-${seed}`)).toBeNull();
				},
			),
			{ numRuns: 300 },
		);
		await fc.assert(
			fc.asyncProperty(fc.string({ maxLength: 120 }), async (made) => {
				expect(await verifyParticipantToken(made, "secret")).toBeNull();
			}),
			{ numRuns: 500 },
		);
	});
});

describe("the snapshot merge", () => {
	const MINUTE = Date.UTC(2027, 3, 9, 2, 0);

	/** A shard's snapshot at a version: every count is a function of (shard, version), rising with it. */
	const snapshotOf = (shard: number, version: number): Snapshot => ({
		child: shard,
		version,
		takenAt: 1_000 + version,
		sealed: false,
		participants: version * 2 + shard,
		actions: { flower: version * 3, incense: version, bow: shard, blessing: version + shard },
		blessingsPublished: version,
		regions: [
			{
				region: shard % 2 ? "JP" : "CN",
				participants: version * 2 + shard,
				flower: version * 3,
				incense: version,
				bow: shard,
				blessing: version + shard,
			},
		],
		minutes: [
			{ minute: MINUTE, type: "flower", n: version * 3 },
			{ minute: MINUTE + 60_000 * shard, type: "incense", n: version },
		],
		blessings: [],
		shards: [
			{
				shardIndex: shard,
				version,
				takenAt: 1_000 + version,
				receivedAt: 2_000 + version,
				sealed: version === 12,
				participants: version * 2 + shard,
				actions: { flower: version * 3, incense: version, bow: shard, blessing: version + shard },
				blessingsPublished: version,
			},
		],
	});

	it("is idempotent and order-independent: the result is the newest snapshot of each shard", async () => {
		let run = 0;
		await fc.assert(
			fc.asyncProperty(
				fc.array(fc.tuple(fc.nat({ max: 3 }), fc.integer({ min: 1, max: 12 })), { minLength: 1, maxLength: 25 }),
				async (deliveries) => {
					// The merge the aggregators and the CeremonyDO use, over a fresh object's SQLite.
					const stub = env.AGGREGATOR.getByName(`merge-${run++}`);
					const merged = await runInDurableObject(stub, (_instance, state) => {
						const merge = new SnapshotMerge(sqlOf(state.storage), state.storage);
						for (const [shard, version] of deliveries) merge.apply(snapshotOf(shard, version));
						return {
							...merge.tally(),
							minutes: merge.minutesSince(0),
							regions: merge.regions(),
							shards: merge.shards(),
						};
					});
					const newest = new Map<number, number>();
					for (const [shard, version] of deliveries) newest.set(shard, Math.max(version, newest.get(shard) ?? 0));

					const expected = { participants: 0, flower: 0, incense: 0, bow: 0, blessing: 0, minuteFlower: 0 };
					for (const [shard, version] of newest) {
						const s = snapshotOf(shard, version);
						expected.participants += s.participants;
						expected.flower += s.actions.flower;
						expected.incense += s.actions.incense;
						expected.bow += s.actions.bow;
						expected.blessing += s.actions.blessing;
						expected.minuteFlower += version * 3;
					}
					const stats = merged;
					expect(stats.participants).toBe(expected.participants);
					expect(stats.actions).toEqual({
						flower: expected.flower,
						incense: expected.incense,
						bow: expected.bow,
						blessing: expected.blessing,
					});
					const flowerAt = stats.minutes.find((m) => m.minute === MINUTE && m.type === "flower")?.n ?? 0;
					expect(flowerAt).toBe(expected.minuteFlower);
					// Each shard's own incense bucket, its region's sum, and its status: the newest snapshot's.
					for (const [shard, version] of newest) {
						const s = snapshotOf(shard, version);
						const incense = stats.minutes.find((m) => m.minute === MINUTE + 60_000 * shard && m.type === "incense");
						expect(incense?.n).toBe(version);
						expect(stats.shards.find((st) => st.shardIndex === shard)).toEqual(s.shards[0]);
					}
					for (const region of ["CN", "JP"]) {
						const of = [...newest].filter(([shard]) => (shard % 2 ? "JP" : "CN") === region);
						const row = stats.regions.find((r) => r.region === region);
						if (of.length === 0) expect(row).toBeUndefined();
						else
							expect(row).toEqual({
								region,
								participants: of.reduce((n, [shard, version]) => n + version * 2 + shard, 0),
								flower: of.reduce((n, [, version]) => n + version * 3, 0),
								incense: of.reduce((n, [, version]) => n + version, 0),
								bow: of.reduce((n, [shard]) => n + shard, 0),
								blessing: of.reduce((n, [shard, version]) => n + version + shard, 0),
							});
					}
				},
			),
			{ numRuns: 60 },
		);
	});
});
