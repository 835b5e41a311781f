import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ActionRequest, ShardIdentity } from "../../durable/shard-protocol";
import type { Snapshot } from "../../durable/snapshot-protocol";
import { aggregatorName, ceremonyObjectName, shardName } from "../../src/domain/shard-routing";
import { outcomeOf, YEAR } from "./helpers";

/** A ceremony of its own, so that no other test's shard is touched. */
const year = YEAR + 7;
const own: ShardIdentity = { year, shardCount: 4, shardIndex: 2 };
const shard = env.SHARD.getByName(shardName(year, own.shardIndex));

const request = (participantId: string, key: string, blessing = false): ActionRequest => ({
	participantId,
	idempotencyKey: key,
	type: blessing ? "blessing" : "flower",
	body: `body-${key}`,
	blessing: blessing ? { hans: "国泰民安", hant: "國泰民安", held: false } : null,
	limit: 10,
	country: "JP",
});

/** Every row of every table of an object, and its alarm: what "changes nothing" is checked against. */
async function storedIn(state: DurableObjectState) {
	const tables = state.storage.sql
		.exec<{ name: string }>(
			"SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' ORDER BY name",
		)
		.toArray()
		.map((t) => t.name);
	const rows = Object.fromEntries(tables.map((t) => [t, state.storage.sql.exec(`SELECT * FROM "${t}"`).toArray()]));
	return { rows, alarm: await state.storage.getAlarm() };
}

const storageOf = () => runInDurableObject(shard, (_instance, state) => storedIn(state));

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
		const storage = () => runInDurableObject(aggregator, (_instance, state) => storedIn(state));
		const before = await storage();
		const snapshot: Snapshot = { ...snapshotOf(16), version: 3 };
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

const snapshotOf = (child: number): Snapshot => ({
	child,
	version: 1,
	takenAt: Date.now(),
	sealed: false,
	participants: 1,
	actions: { flower: 1, incense: 0, bow: 0, blessing: 0 },
	blessingsPublished: 0,
	regions: [{ region: "JP", participants: 1, flower: 1, incense: 0, bow: 0, blessing: 0 }],
	minutes: [],
	blessings: [],
	shards: [],
});

describe("a ceremony's identity", () => {
	it("is checked by every RPC method: a call meant for another ceremony is refused and changes nothing", async () => {
		const year = YEAR + 14;
		const ceremony = env.CEREMONY.getByName(ceremonyObjectName(year));
		const defaults = { shardCount: 2, openNow: true };
		outcomeOf(await ceremony.getConfig(year, defaults), "config");
		outcomeOf(await ceremony.leaseCertificates(year, 1, 10), "leased");
		outcomeOf(await ceremony.holdName(year, "participant-a", 1, "阿明"), "held");
		const storage = () => runInDurableObject(ceremony, (_instance, state) => storedIn(state));
		const before = await storage();
		expect(before.rows.names, "the held name is stored").toHaveLength(1);

		const wrong = year + 1;
		const from = Date.UTC(2027, 3, 9);
		const answers = {
			getConfig: await ceremony.getConfig(wrong, defaults),
			configure: await ceremony.configure(wrong, { limits: { flower: 2 } }, defaults),
			leaseCertificates: await ceremony.leaseCertificates(wrong, 1, 10),
			stats: await ceremony.stats(wrong),
			regions: await ceremony.regions(wrong),
			timeseries: await ceremony.timeseries(wrong, "1m", from, from + 3_600_000),
			blessings: await ceremony.blessings(wrong, 10, undefined),
			report: await ceremony.report(wrong, "1-1", "participant-b", null),
			moderationQueue: await ceremony.moderationQueue(wrong, "held", 10, undefined),
			moderate: await ceremony.moderate(wrong, "1-1", "hide", "ada"),
			holdName: await ceremony.holdName(wrong, "participant-b", 0, "别人"),
			releaseName: await ceremony.releaseName(wrong, "participant-a"),
			nameQueue: await ceremony.nameQueue(wrong, "held", 10, undefined),
			moderateName: await ceremony.moderateName(wrong, "participant-a", "hide", "ada"),
			eraseParticipant: await ceremony.eraseParticipant(wrong, "participant-a"),
			useTicket: await ceremony.useTicket(wrong, "nonce-1", Date.now() + 60_000),
			broadcast: await ceremony.broadcast(wrong),
			audit: await ceremony.audit(wrong),
			close: await ceremony.close(wrong),
		};
		for (const [method, answer] of Object.entries(answers)) {
			expect(answer.kind, `${method} for ${wrong}`).toBe("wrong-ceremony");
		}
		// The live socket, the one call that arrives by fetch, names its year too (in a header, or in
		// its path from a Worker of the previous release): a socket (or a poll) for another ceremony,
		// or for none, is refused and no socket is accepted.
		const liveOf = (named: number | null) =>
			`https://baizu.test/api/v1/admin/ceremonies${named === null ? "" : `/${named}`}/live`;
		for (const [url, headers] of <[string, Record<string, string>][]>[
			[liveOf(wrong), { upgrade: "websocket", "x-ceremony-year": `${wrong}` }],
			[liveOf(wrong), { "x-ceremony-year": `${wrong}` }],
			[liveOf(wrong), { upgrade: "websocket" }],
			[liveOf(wrong), { upgrade: "websocket", "x-ceremony-year": "" }],
			[liveOf(year), { upgrade: "websocket", "x-ceremony-year": `${wrong}` }],
			[liveOf(null), { upgrade: "websocket" }],
			[liveOf(year), { upgrade: "websocket", "x-ceremony-year": "twenty" }],
		]) {
			const refused = await ceremony.fetch(url, { headers: { "x-committee-member": "ada", ...headers } });
			expect(refused.status, `live socket at ${url} with ${JSON.stringify(headers)}`).toBe(421);
			expect(refused.webSocket).toBeNull();
			expect(await refused.json()).toMatchObject({ kind: "wrong-ceremony" });
		}
		expect(await runInDurableObject(ceremony, (_instance, state) => state.getWebSockets().length)).toBe(0);
		// An aggregator's identity carries the year: the tree refuses it as another aggregator's.
		const aggregate = await ceremony.applyAggregate({ year: wrong, shardCount: 2, aggregatorIndex: 0 }, snapshotOf(0));
		expect(aggregate.kind).toBe("wrong-aggregator");
		expect(await storage()).toEqual(before);

		// The ceremony still answers its own year.
		const names = outcomeOf(await ceremony.nameQueue(year, "held", 10, undefined), "page").page;
		expect(names.items.map((n) => n.participantId)).toEqual(["participant-a"]);
		for (const headers of <Record<string, string>[]>[{ "x-ceremony-year": `${year}` }, {}]) {
			const own = await ceremony.fetch(`https://baizu.test/api/v1/admin/ceremonies/${year}/live`, {
				headers: { "x-committee-member": "ada", ...headers },
			});
			expect(own.status).toBe(200);
			expect(await own.json()).toMatchObject({ type: "totals", stats: { year } });
		}
	});

	it("is known from the object's name before it has a configuration", async () => {
		const year = YEAR + 15;
		const ceremony = env.CEREMONY.getByName(ceremonyObjectName(year));
		expect((await ceremony.getConfig(year + 1, { shardCount: 2, openNow: true })).kind).toBe("wrong-ceremony");
		expect((await ceremony.leaseCertificates(year + 1, 0, 10)).kind).toBe("wrong-ceremony");
		// Nothing was created for the other year.
		expect(await ceremony.getConfig(year, null)).toEqual({ kind: "not-found" });
	});
});
