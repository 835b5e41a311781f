import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ActionRequest, RegionCounts } from "../../durable/shard-protocol";
import { SnapshotMerge } from "../../durable/snapshot-merge";
import type { Snapshot } from "../../durable/snapshot-protocol";
import { sqlOf } from "../../durable/sql";
import { aggregatorName, shardName } from "../../src/domain/shard-routing";
import type { ActionType } from "../../src/schemas/common";
import { outcomeOf, YEAR } from "./helpers";

/** A ceremony of its own, of four shards under one aggregator. */
const year = YEAR + 20;
const shardCount = 4;
const own = { year, shardCount, aggregatorIndex: 0 };
const aggregator = () => env.AGGREGATOR.getByName(aggregatorName(year, 0));
const shardOf = (shardIndex: number) => env.SHARD.getByName(shardName(year, shardIndex));
const ceremony = () => env.CEREMONY.getByName(`${year}`);

const action = (participantId: string, type: ActionType, country: string): ActionRequest => ({
	participantId,
	idempotencyKey: `${participantId}-${type}`,
	type,
	body: `${type}\n`,
	blessing: null,
	limit: 10,
	country,
});

async function perform(shardIndex: number, actions: ActionRequest[]) {
	const outcomes = await shardOf(shardIndex).perform({ year, shardCount, shardIndex, configVersion: 1 }, actions);
	for (const outcome of outcomes) outcomeOf(outcome, "accepted");
	// The shard's push to the aggregator.
	await runDurableObjectAlarm(shardOf(shardIndex));
}

const sorted = (regions: RegionCounts[]) => [...regions].sort((a, b) => a.region.localeCompare(b.region));
const pulled = async (sinceVersion: number) =>
	outcomeOf(await aggregator().pullSnapshot(own, sinceVersion), "snapshot").snapshot;
const ceremonyRegions = async () => sorted(outcomeOf(await ceremony().regions(year), "regions").regions.regions);
const region = (name: string, participants: number, counts: Partial<Record<ActionType, number>>): RegionCounts => ({
	region: name,
	participants,
	flower: 0,
	incense: 0,
	bow: 0,
	blessing: 0,
	...counts,
});

describe("an aggregator's regions", () => {
	// Shards and the aggregator push on their own alarms too: what a pull or the CeremonyDO holds is
	// awaited until it arrives.
	const eventually = <T>(read: () => Promise<T>) => expect.poll(read, { timeout: 5_000, interval: 50 });

	it("go to the CeremonyDO only when changed since it confirmed, each summed over the aggregator's shards", async () => {
		await ceremony().getConfig(year, { shardCount, openNow: true });
		await perform(0, [action("a", "flower", "JP"), action("b", "flower", "US")]);
		await perform(1, [action("c", "flower", "JP"), action("d", "bow", "TW")]);
		const all = [region("JP", 2, { flower: 2 }), region("TW", 1, { bow: 1 }), region("US", 1, { flower: 1 })];
		await eventually(async () => sorted((await pulled(0)).regions)).toEqual(all);
		await runDurableObjectAlarm(aggregator());
		await eventually(ceremonyRegions).toEqual(all);
		const first = await pulled(0);

		await perform(1, [action("c", "incense", "JP")]);
		// Only JP changed, and it goes whole: both shards' counts summed.
		const jp = region("JP", 2, { flower: 2, incense: 1 });
		await eventually(async () => (await pulled(first.version)).regions).toEqual([jp]);
		// A parent that holds nothing of the aggregator gets every region.
		expect(sorted((await pulled(0)).regions)).toEqual([jp, all[1], all[2]]);

		await runDurableObjectAlarm(aggregator());
		await eventually(ceremonyRegions).toEqual([jp, all[1], all[2]]);
		expect((await pulled((await pulled(0)).version)).regions).toEqual([]);
	});

	it("are filled from the shards' regions in an aggregator and a CeremonyDO created before they were kept", async () => {
		const before = await pulled(0);
		const expected = sorted(before.regions);
		const dropped = (state: DurableObjectState) => state.storage.sql.exec("DROP TABLE merged_regions");
		await runInDurableObject(aggregator(), (_instance, state) => dropped(state));
		await runInDurableObject(ceremony(), (_instance, state) => dropped(state));
		await evictDurableObject(aggregator());
		await evictDurableObject(ceremony());

		// The CeremonyDO had confirmed everything: nothing is sent again, and every region is its sum.
		expect((await pulled(before.version)).regions).toEqual([]);
		expect(sorted((await pulled(0)).regions)).toEqual(expected);
		expect(sorted((await pulled(before.version - 1)).regions)).toEqual(expected);
		expect(await ceremonyRegions()).toEqual(expected);

		await perform(2, [action("e", "bow", "TW")]);
		const tw = expected.find((r) => r.region === "TW") as RegionCounts;
		const grown = { ...tw, participants: tw.participants + 1, bow: tw.bow + 1 };
		await eventually(async () => (await pulled(before.version)).regions).toEqual([grown]);
		await runDurableObjectAlarm(aggregator());
		await eventually(async () => (await ceremonyRegions()).find((r) => r.region === "TW")).toEqual(grown);
	});

	it("stay the sum of the children's regions over snapshots new, repeated and out of order", async () => {
		const stub = env.AGGREGATOR.getByName("merged-regions-property");
		await runInDurableObject(stub, (_instance, state) => {
			const merge = new SnapshotMerge(sqlOf(state.storage), state.storage);
			const countries = ["CN", "TW", "HK", "US", "JP", "MY"];
			// Each child's counts only grow; its snapshots carry a few regions each, some sent again.
			const held = new Map<number, Map<string, RegionCounts>>();
			let seed = 7;
			const next = (n: number) => {
				seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
				return seed % n;
			};
			const snapshots: Snapshot[] = [];
			for (let version = 1; version <= 40; version++) {
				const child = next(3);
				const regions = held.get(child) ?? new Map<string, RegionCounts>();
				held.set(child, regions);
				const changed = Array.from({ length: 1 + next(3) }, () => countries[next(countries.length)] as string);
				for (const name of changed) {
					const was = regions.get(name) ?? region(name, 0, {});
					regions.set(name, { ...was, participants: was.participants + next(2), flower: was.flower + 1 + next(3) });
				}
				snapshots.push({
					child,
					version,
					takenAt: version,
					sealed: false,
					participants: 0,
					actions: { flower: 0, incense: 0, bow: 0, blessing: 0 },
					blessingsPublished: 0,
					regions: [...new Set(changed)].map((name) => regions.get(name) as RegionCounts),
					minutes: [],
					blessings: [],
					shards: [],
				});
			}
			// Each snapshot once in order, then again shuffled: the repeats are not newer and change nothing.
			for (const s of snapshots) merge.apply(s);
			for (const s of [...snapshots].sort(() => next(3) - 1)) merge.apply(s);
			const summed = state.storage.sql
				.exec<RegionCounts>(
					`SELECT region, sum(participants) AS participants, sum(flower) AS flower, sum(incense) AS incense,
						sum(bow) AS bow, sum(blessing) AS blessing FROM child_regions GROUP BY region`,
				)
				.toArray();
			expect(sorted(merge.regions())).toEqual(sorted(summed));
			const expected = new Map<string, RegionCounts>();
			for (const regions of held.values())
				for (const r of regions.values()) {
					const sum = expected.get(r.region) ?? region(r.region, 0, {});
					expected.set(r.region, {
						...sum,
						participants: sum.participants + r.participants,
						flower: sum.flower + r.flower,
					});
				}
			expect(sorted(merge.regions())).toEqual(sorted([...expected.values()]));
		});
	});
	it("are read from one row per region, whatever the number of children", async () => {
		await runInDurableObject(env.AGGREGATOR.getByName("merged-regions-rows"), (_instance, state) => {
			const merge = new SnapshotMerge(sqlOf(state.storage), state.storage);
			const countries = Array.from({ length: 50 }, (_, n) => `C${n}`);
			for (let child = 0; child < 16; child++) {
				merge.apply({
					child,
					version: 1,
					takenAt: 1,
					sealed: false,
					participants: countries.length,
					actions: { flower: countries.length, incense: 0, bow: 0, blessing: 0 },
					blessingsPublished: 0,
					regions: countries.map((name) => region(name, 1, { flower: 1 })),
					minutes: [],
					blessings: [],
					shards: [],
				});
			}
			// The same storage, counting the rows SQLite reads (what Durable Object storage bills).
			let rowsRead = 0;
			const exec = state.storage.sql.exec.bind(state.storage.sql);
			const counting = {
				sql: {
					exec: (query: string, ...bindings: SqlStorageValue[]) => {
						const cursor = exec(query, ...bindings);
						return {
							toArray: () => {
								const rows = cursor.toArray();
								rowsRead += cursor.rowsRead;
								return rows;
							},
						};
					},
				},
			} as unknown as DurableObjectStorage;
			const regions = new SnapshotMerge(sqlOf(counting), counting).regions();
			expect(regions).toHaveLength(countries.length);
			expect(regions.every((r) => r.participants === 16 && r.flower === 16)).toBe(true);
			// Each row is counted once as it is read and once as it leaves the sort; the 800 rows of the 16
			// children summed would be counted at least once each.
			expect(rowsRead).toBeLessThanOrEqual(2 * countries.length);
		});
	});
});
