import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ActionRequest, ShardIdentity } from "../../durable/shard-protocol";
import type { Snapshot } from "../../durable/snapshot-protocol";
import { aggregatorName, shardName } from "../../src/domain/shard-routing";
import { YEAR } from "./helpers";

/** A ceremony of its own, so that no other test's shard is touched. */
const year = YEAR + 7;
const own: ShardIdentity = { year, shardCount: 4, shardIndex: 2 };
const shard = env.SHARD.getByName(shardName(year, own.shardIndex));

const request = (participantId: string, key: string, blessing = false): ActionRequest => ({
	participantId,
	idempotencyKey: key,
	type: blessing ? "blessing" : "flower",
	fingerprint: `fingerprint-${key}`,
	blessing: blessing ? { hans: "国泰民安", hant: "國泰民安", held: false } : null,
	limit: 10,
	country: "JP",
});

/** Every row of every table of the shard, and its alarm: what "changes nothing" is checked against. */
const storageOf = () =>
	runInDurableObject(shard, async (_instance, state) => {
		const tables = state.storage.sql
			.exec<{ name: string }>(
				"SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' ORDER BY name",
			)
			.toArray()
			.map((t) => t.name);
		const rows = Object.fromEntries(tables.map((t) => [t, state.storage.sql.exec(`SELECT * FROM "${t}"`).toArray()]));
		return { rows, alarm: await state.storage.getAlarm() };
	});

describe("a shard's identity", () => {
	it("is checked by every RPC method: a call meant for another shard is refused and changes nothing", async () => {
		await env.CEREMONY.getByName(`${year}`).getConfig(year, { shardCount: 4, openNow: true });
		const [counted] = await shard.perform({ ...own, configVersion: 1 }, [request("participant-a", "key-1", true)]);
		expect(counted?.kind).toBe("accepted");
		const seq = counted?.kind === "accepted" ? counted.seq : -1;
		await shard.updateProfile(own, "participant-a", { displayName: "阿明" });
		// Let the push the action asked for land and be confirmed, so that nothing moves while the store is compared.
		const settled = (s: Awaited<ReturnType<typeof storageOf>>) => {
			const state = s.rows.shard_state?.[0];
			return s.alarm === null && state !== undefined && state.version === state.confirmed_version;
		};
		let before = await storageOf();
		for (let waited = 0; !settled(before) && waited < 10_000; waited += 20) {
			await new Promise((r) => setTimeout(r, 20));
			before = await storageOf();
		}
		expect(settled(before), "the shard's push was confirmed").toBe(true);

		const strangers: ShardIdentity[] = [
			{ ...own, year: year + 1 },
			{ ...own, shardCount: 8 },
			{ ...own, shardIndex: 3 },
		];
		for (const wrong of strangers) {
			const answers = {
				perform: await shard.perform({ ...wrong, configVersion: 1 }, [request("participant-b", "key-2")]),
				configChanged: await shard.configChanged(wrong, 99),
				profile: await shard.profile(wrong, "participant-a"),
				updateProfile: await shard.updateProfile(wrong, "participant-a", { displayName: "别人", region: "CN" }),
				setNameState: await shard.setNameState(wrong, "participant-a", "hidden"),
				erase: await shard.erase(wrong, "participant-a"),
				setBlessingState: await shard.setBlessingState(wrong, seq, "hidden"),
				seal: await shard.seal(wrong),
				pullSnapshot: await shard.pullSnapshot(wrong, 0),
				audit: await shard.audit(wrong),
			};
			for (const [method, answer] of Object.entries(answers)) {
				const outcomes = Array.isArray(answer) ? answer : [answer];
				for (const outcome of outcomes)
					expect(outcome.kind, `${method} with ${JSON.stringify(wrong)}`).toBe("wrong-shard");
			}
		}
		expect(await storageOf()).toEqual(before);

		// The shard still answers its own identity.
		const profile = await shard.profile(own, "participant-a");
		expect(profile).toMatchObject({ kind: "profile", profile: { displayName: "阿明", region: "JP" } });
	});
});

describe("an aggregator's identity", () => {
	it("is checked by every RPC method: a call meant for another aggregator is refused and changes nothing", async () => {
		const year = YEAR + 9;
		const shardCount = 32;
		await env.CEREMONY.getByName(`${year}`).getConfig(year, { shardCount, openNow: true });
		const aggregator = env.AGGREGATOR.getByName(aggregatorName(year, 1));
		const mine = { year, shardCount, aggregatorIndex: 1 };
		// Its first call records who it is.
		expect((await aggregator.pullSnapshot(mine, 0)).kind).toBe("snapshot");
		const storage = () =>
			runInDurableObject(aggregator, async (_instance, state) => {
				const tables = state.storage.sql
					.exec<{ name: string }>(
						"SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' ORDER BY name",
					)
					.toArray()
					.map((t) => t.name);
				const rows = Object.fromEntries(
					tables.map((t) => [t, state.storage.sql.exec(`SELECT * FROM "${t}"`).toArray()]),
				);
				return { rows, alarm: await state.storage.getAlarm() };
			});
		const before = await storage();
		const snapshot: Snapshot = {
			child: 16,
			version: 3,
			takenAt: Date.now(),
			sealed: false,
			participants: 1,
			actions: { flower: 1, incense: 0, bow: 0, blessing: 0 },
			blessingsPublished: 0,
			regions: [{ region: "JP", participants: 1, flower: 1, incense: 0, bow: 0, blessing: 0 }],
			minutes: [],
			blessings: [],
			shards: [],
		};
		const strangers = [
			{ ...mine, year: year + 1 },
			{ ...mine, shardCount: 64 },
			{ ...mine, aggregatorIndex: 0 },
		];
		for (const wrong of strangers) {
			const answers = {
				applySnapshot: await aggregator.applySnapshot(wrong, snapshot),
				pullSnapshot: await aggregator.pullSnapshot(wrong, 0),
				seal: await aggregator.seal(wrong),
				refresh: await aggregator.refresh(wrong),
			};
			for (const [method, answer] of Object.entries(answers)) {
				expect(answer.kind, `${method} with ${JSON.stringify(wrong)}`).toBe("wrong-aggregator");
			}
		}
		// A shard that is not in its group is refused too.
		expect((await aggregator.applySnapshot(mine, { ...snapshot, child: 3 })).kind).toBe("wrong-aggregator");
		expect(await storage()).toEqual(before);
	});
});
