import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Snapshot } from "../../durable/snapshot-protocol";
import { shardIndexFor, shardName } from "../../src/domain/shard-routing";
import { act, ceremonyConfig, flushShards, newParticipant, outcomeOf, stats, YEAR } from "./helpers";

/** An aggregator's snapshot, as aggregator 0 of a ceremony of four shards sends it. */
const snapshot = (version: number, flower: number, minuteN: number): Snapshot => ({
	child: 0,
	version,
	takenAt: Date.now(),
	sealed: false,
	participants: flower,
	actions: { flower, incense: 0, bow: 0, blessing: 0 },
	blessingsPublished: 0,
	regions: [{ region: "JP", participants: flower, flower, incense: 0, bow: 0, blessing: 0 }],
	minutes: [{ minute: Date.UTC(2027, 3, 9, 2, 0), type: "flower", n: minuteN }],
	blessings: [],
	shards: [],
});

describe("snapshots", () => {
	it("leave the totals unchanged when applied twice or out of order", async () => {
		// A ceremony of its own, so these made-up snapshots meet no real shard.
		const year = YEAR + 5;
		const stub = env.CEREMONY.getByName(`${year}`);
		await stub.getConfig(year, { shardCount: 4, openNow: true });
		const identity = { year, shardCount: 4, aggregatorIndex: 0 };
		await stub.applyAggregate(identity, snapshot(5, 7, 7));
		const once = await stats(year);
		expect(once.actions.flower).toBe(7);

		expect(await stub.applyAggregate(identity, snapshot(5, 7, 7))).toEqual({ kind: "not-newer", version: 5 });
		expect(await stub.applyAggregate(identity, snapshot(3, 4, 4))).toEqual({ kind: "not-newer", version: 5 });
		// The figures stay; only updatedAt may move, to the newest snapshot of the same version.
		expect({ ...(await stats(year)), updatedAt: null }).toEqual({ ...once, updatedAt: null });

		await stub.applyAggregate(identity, snapshot(6, 9, 9));
		await stub.applyAggregate(identity, snapshot(4, 5, 5));
		const later = await stats(year);
		expect(later.actions.flower).toBe(9);
		expect(later.participants).toBe(9);
		const day = Date.UTC(2027, 3, 9);
		const { series } = outcomeOf(await stub.timeseries(year, "1m", day, day + 86_400_000), "series");
		expect(series.points).toEqual([
			{ at: Date.UTC(2027, 3, 9, 2), actions: { flower: 9, incense: 0, bow: 0, blessing: 0 } },
		]);
		const { regions } = outcomeOf(await stub.regions(year), "regions");
		expect(regions.regions).toEqual([{ region: "JP", participants: 9, flower: 9, incense: 0, bow: 0, blessing: 0 }]);
	});

	it("keep a shard's version rising across a restart", async () => {
		const p = await newParticipant();
		const start = await stats();
		expect((await act(p.token, "v-1-flower-key", { type: "flower" })).status).toBe(201);
		const { shardCount } = await ceremonyConfig();
		const identity = { year: YEAR, shardCount, shardIndex: shardIndexFor(p.participantId, shardCount) };
		const shard = env.SHARD.getByName(shardName(YEAR, identity.shardIndex));
		const versionOf = async () => {
			const outcome = await shard.pullSnapshot(identity, 0);
			if (outcome.kind !== "snapshot") throw new Error(outcome.detail);
			return outcome.snapshot.version;
		};
		const before = await versionOf();
		expect(before).toBeGreaterThan(0);

		await evictDurableObject(shard);
		expect((await act(p.token, "v-1-incense-key", { type: "incense" })).status).toBe(201);
		const after = await versionOf();
		expect(after).toBeGreaterThan(before);

		await flushShards();
		const totals = await stats();
		expect(totals.actions.flower - start.actions.flower).toBe(1);
		expect(totals.actions.incense - start.actions.incense).toBe(1);
	});

	it("reach the totals by the shard's alarm within two seconds, without a manual flush", async () => {
		const p = await newParticipant();
		const before = (await stats()).actions.bow;
		const acknowledged = Date.now();
		expect((await act(p.token, "lag-bow-key-1", { type: "bow" })).status).toBe(201);
		let seenAfter = Number.POSITIVE_INFINITY;
		while (Date.now() - acknowledged < 5_000) {
			if ((await stats()).actions.bow === before + 1) {
				seenAfter = Date.now() - acknowledged;
				break;
			}
			await new Promise((r) => setTimeout(r, 50));
		}
		expect(seenAfter).toBeLessThanOrEqual(2_000);
	});
});

describe("figures frozen at the close", () => {
	it("are read back whether stored as domain data or in the public shape an earlier release stored", async () => {
		const year = YEAR + 16;
		const stub = env.CEREMONY.getByName(`${year}`);
		await stub.getConfig(year, { shardCount: 4, openNow: true });
		await stub.applyAggregate({ year, shardCount: 4, aggregatorIndex: 0 }, snapshot(2, 3, 3));
		const closed = outcomeOf(await stub.close(year), "closed").figures;
		expect(closed).toMatchObject({ participants: 3, actions: { flower: 3 }, final: true });
		expect(typeof closed.takenAt).toBe("number");
		const regions = outcomeOf(await stub.regions(year), "regions").regions;

		// The same close as the earlier release stored it: the public Stats and RegionsStats, ISO times.
		const takenAt = closed.takenAt as number;
		await runInDurableObject(stub, (_instance, state) => {
			const legacyStats = { year, ...closed, takenAt: undefined, updatedAt: new Date(takenAt).toISOString() };
			const legacyRegions = {
				year,
				regions: [{ region: "JP", participants: 3, actions: { flower: 3, incense: 0, bow: 0, blessing: 0 } }],
				final: true,
				updatedAt: new Date(takenAt).toISOString(),
			};
			state.storage.sql.exec(
				"UPDATE ceremony_state SET final_stats = ?, final_regions = ?",
				JSON.stringify(legacyStats),
				JSON.stringify(legacyRegions),
			);
		});
		expect(outcomeOf(await stub.stats(year), "figures").figures).toEqual(closed);
		expect(outcomeOf(await stub.regions(year), "regions").regions).toEqual(regions);

		// Anything else stored there is refused, not taken for figures.
		await runInDurableObject(stub, (_instance, state) => {
			state.storage.sql.exec("UPDATE ceremony_state SET final_stats = ?", JSON.stringify({ participants: "3" }));
		});
		const refused = await stub.stats(year).then(
			() => null,
			(e: unknown) => e,
		);
		expect(refused).toBeInstanceOf(Error);
		expect(String(refused)).toMatch(/ZodError/);
	});
});
