import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { aggregatorIndexFor, aggregatorName, shardIndexFor } from "../../src/domain/shard-routing";
import { actIn, auditOf, converge, openCeremony, publicStats, settle, sleep, totalOf } from "./ceremony-helpers";
import { newParticipant } from "./helpers";

describe("the aggregation tree", () => {
	it("an aggregator evicted mid-burst: totals converge, nothing counted twice", async () => {
		const year = 2041;
		await openCeremony(year, 64);
		const people = await Promise.all(Array.from({ length: 200 }, () => newParticipant()));
		const burst = Promise.all(
			people.map((p, i) => sleep(i % 50).then(() => settle(year, p.token, `aggregator-evicted-${i}`, { type: "bow" }))),
		);
		for (const delay of [15, 20, 25]) {
			await sleep(delay);
			// Each of the ceremony's four aggregators is running for sure (an eviction of an object at
			// rest throws), then evicted.
			await Promise.all(
				[0, 1, 2, 3].map(async (aggregatorIndex) => {
					const aggregator = env.AGGREGATOR.getByName(aggregatorName(year, aggregatorIndex));
					const pulled = await aggregator.pullSnapshot({ year, shardCount: 64, aggregatorIndex }, 0);
					expect(pulled.kind).toBe("snapshot");
					await evictDurableObject(aggregator);
				}),
			);
		}
		const statuses = await burst;
		expect(statuses.every((status) => status === 201)).toBe(true);
		const totals = await converge(year, 200);
		expect(totals).toMatchObject({ participants: 200, actions: { flower: 0, incense: 0, bow: 200, blessing: 0 } });
		expect((await auditOf(year)).match).toBe(true);
	});

	it("an aggregator whose push keeps failing catches it, sets its alarm again, and lands once it can", async () => {
		const year = 2042;
		await openCeremony(year, 64);
		const people = await Promise.all(Array.from({ length: 40 }, () => newParticipant()));
		// Every aggregator's push to the CeremonyDO throws; aggregator 1 is the one watched.
		const mine = people.filter((p) => aggregatorIndexFor(shardIndexFor(p.participantId, 64)) === 1);
		expect(mine.length).toBeGreaterThan(0);
		const aggregator = env.AGGREGATOR.getByName(aggregatorName(year, 1));
		// On the class, not the instance: the platform may run the alarm on a new instance.
		let failed = 0;
		const aggregatorClass = await runInDurableObject(aggregator, (instance) => Object.getPrototypeOf(instance));
		const realPush = aggregatorClass.pushSnapshot;
		aggregatorClass.pushSnapshot = async function (this: unknown) {
			failed++;
			throw new Error("the CeremonyDO is unreachable");
		};
		const statuses = await Promise.all(
			people.map((p, i) => settle(year, p.token, `aggregator-throws-${i}`, { type: "flower" })),
		);
		expect(statuses.every((s) => s === 201)).toBe(true);
		const alarmOf = () => runInDurableObject(aggregator, (_instance, state) => state.storage.getAlarm());
		const until = async (done: () => Promise<boolean>) => {
			for (let waited = 0; !(await done()) && waited < 5_000; waited += 10) await sleep(10);
		};
		while (failed < 8) {
			const before = failed;
			await until(async () => failed > before || (await alarmOf()) !== null);
			if (failed === before) await runDurableObjectAlarm(aggregator);
			await until(async () => failed > before);
			expect(failed, "the alarm ran again").toBeGreaterThan(before);
			await until(async () => (await alarmOf()) !== null);
			expect(await alarmOf(), `an alarm is set again after failure ${failed}`).not.toBeNull();
		}
		// Every aggregator's push failed so far: nothing reached the CeremonyDO.
		expect(totalOf(await publicStats(year))).toBe(0);

		aggregatorClass.pushSnapshot = realPush;
		const totals = await converge(year, 40);
		expect(totals).toMatchObject({ participants: 40, actions: { flower: 40, incense: 0, bow: 0, blessing: 0 } });
		expect((await auditOf(year)).match).toBe(true);
	});

	it("a committee change reaches the Worker without a restart: the shard answers stale, the Worker refreshes", async () => {
		const year = 2043;
		await openCeremony(year, 4);
		const p = await newParticipant();
		expect((await actIn(year, p.token, "cfg-flower-1", { type: "flower" })).status).toBe(201);
		expect((await actIn(year, p.token, "cfg-flower-2", { type: "flower" })).status).toBe(409);

		// Changed at the CeremonyDO, as another isolate's committee request would: this isolate's copy is now old.
		const ceremony = env.CEREMONY.getByName(`${year}`);
		const defaults = { shardCount: 4, openNow: true };
		const raised = await ceremony.configure(year, { limits: { flower: 2 } }, defaults);
		expect(raised.kind).toBe("configured");
		expect((await actIn(year, p.token, "cfg-flower-3", { type: "flower" })).status).toBe(201);

		const past = new Date(Date.now() - 60_000).toISOString();
		const ended = await ceremony.configure(
			year,
			{ window: { opensAt: new Date(Date.now() - 3_600_000).toISOString(), closesAt: past } },
			defaults,
		);
		expect(ended.kind).toBe("configured");
		const other = await newParticipant();
		const res = await actIn(year, other.token, "cfg-bow-1", { type: "bow" });
		expect(res.status).toBe(403);
		expect((await res.json<{ type: string }>()).type).toBe("/problems/outside-window");
	});
});
