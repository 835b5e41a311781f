import { evictDurableObject, listDurableObjectIds, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { shardIndexFor, shardName } from "../../src/domain/shard-routing";
import {
	act,
	audit,
	call,
	ceremony,
	ceremonyConfig,
	committee,
	flushShards,
	newParticipant,
	stats,
	YEAR,
} from "./helpers";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Retries on 5xx or a dropped request with the same key, as the page does. */
async function settle(token: string, key: string, body: unknown, path = `/api/v1/ceremonies/${YEAR}/actions`) {
	for (let attempt = 0; attempt < 30; attempt++) {
		try {
			const res = await call(path, {
				method: "POST",
				headers: { authorization: `Bearer ${token}`, "idempotency-key": key },
				json: body,
			});
			if (res.status < 500) return { status: res.status, body: await res.json<{ certificate?: { number: number } }>() };
		} catch {
			// dropped: retry
		}
		await sleep(20 * (attempt + 1));
	}
	throw new Error(`no answer for ${key}`);
}

describe("faults", () => {
	it("a snapshot push that keeps failing is rescheduled, past the platform's six retries, and then lands", async () => {
		const p = await newParticipant();
		expect((await call(`/api/v1/ceremonies/${YEAR}`)).status).toBe(200); // the ceremony exists from here
		const config = await ceremonyConfig();
		const shard = env.SHARD.getByName(shardName(YEAR, shardIndexFor(p.participantId, config.shardCount)));
		await flushShards();
		const before = (await stats()).actions.flower;

		let failedPushes = 0;
		await runInDurableObject(shard, (instance) => {
			instance.pushSnapshot = async () => {
				failedPushes++;
				throw new Error("the aggregator is unreachable");
			};
		});
		expect((await act(p.token, "fault-push-0001", { type: "flower" })).status).toBe(201);
		const alarmOf = () => runInDurableObject(shard, (_instance, state) => state.storage.getAlarm());
		const until = async (done: () => Promise<boolean>) => {
			for (let waited = 0; !(await done()) && waited < 5_000; waited += 10) await sleep(10);
		};
		// The action's own alarm runs at once and fails; every failure sets the next alarm, backing
		// off. Run each (an early one may also fire on its own first) until eight have failed.
		while (failedPushes < 8) {
			const failed = failedPushes;
			await until(async () => failedPushes > failed || (await alarmOf()) !== null);
			if (failedPushes === failed) await runDurableObjectAlarm(shard);
			await until(async () => failedPushes > failed);
			expect(failedPushes, "the alarm ran again").toBeGreaterThan(failed);
			await until(async () => (await alarmOf()) !== null);
			expect(await alarmOf(), `an alarm is set again after failure ${failedPushes}`).not.toBeNull();
		}
		expect(await alarmOf()).not.toBeNull();
		expect((await stats()).actions.flower).toBe(before);

		await evictDurableObject(shard); // back to the real push
		expect(await runDurableObjectAlarm(shard)).toBe(true);
		await flushShards();
		expect((await stats()).actions.flower).toBe(before + 1);
		expect((await audit()).match).toBe(true);
	});

	it("the CeremonyDO restarted while shards lease certificate numbers: no number given twice", async () => {
		const people = await Promise.all(Array.from({ length: 300 }, () => newParticipant()));
		const burst = Promise.all(
			people.map((p, i) => sleep(i % 40).then(() => settle(p.token, `lease-key-${i}`, { type: "bow" }))),
		);
		for (const delay of [10, 15, 20]) {
			await sleep(delay);
			// Running for sure (an eviction of an object at rest would throw), then restarted.
			await ceremony().getConfig(YEAR, null);
			await evictDurableObject(ceremony());
		}
		const answers = await burst;
		expect(answers.filter((a) => a.status !== 201)).toEqual([]);
		const numbers = answers.map((a) => a.body.certificate?.number);
		expect(new Set(numbers).size).toBe(300);
		await flushShards();
		expect((await audit()).match).toBe(true);
	});

	it("a CeremonyDO evicted mid-burst loses no snapshot: totals converge to the audit", async () => {
		const people = await Promise.all(Array.from({ length: 150 }, () => newParticipant()));
		const before = await stats();
		const burst = Promise.all(
			people.map((p, i) => sleep(i % 30).then(() => settle(p.token, `ceremony-evict-${i}`, { type: "incense" }))),
		);
		await sleep(15);
		await ceremony().getConfig(YEAR, null);
		await evictDurableObject(ceremony());
		const answers = await burst;
		expect(answers.filter((a) => a.status === 201)).toHaveLength(150);
		// The shards' own pushes, as the platform runs them, bring the totals there: read them before
		// the audit, which pulls every shard itself and so would repair a lost snapshot.
		await flushShards();
		expect((await stats()).actions.incense - before.actions.incense).toBe(150);
		const report = await audit();
		expect(report.match).toBe(true);
	});

	it("an early close during a burst: every acknowledged action is in the final totals, none after", async () => {
		const year = YEAR + 6;
		const now = Date.now();
		const window = { opensAt: new Date(now - 1000).toISOString(), closesAt: new Date(now + 86_400_000).toISOString() };
		expect(
			(await committee(`/api/v1/admin/ceremonies/${year}`, { method: "PUT", json: { window, shardCount: 4 } })).status,
		).toBe(201);
		const people = await Promise.all(Array.from({ length: 200 }, () => newParticipant()));
		const path = `/api/v1/ceremonies/${year}/actions`;
		const burst = Promise.all(
			people.map((p, i) => sleep(i % 60).then(() => settle(p.token, `close-key-${i}`, { type: "flower" }, path))),
		);
		await sleep(25);
		const closed = await committee(`/api/v1/admin/ceremonies/${year}/close`, { method: "POST" });
		expect(closed.status).toBe(200);
		const final = await closed.json<{ participants: number; actions: { flower: number }; final: boolean }>();
		const answers = await burst;
		const acknowledged = answers.filter((a) => a.status === 201).length;
		expect(answers.filter((a) => a.status !== 201 && a.status !== 403)).toEqual([]);
		expect(acknowledged).toBeGreaterThan(0);
		expect(acknowledged).toBeLessThan(200);
		expect(final).toMatchObject({ final: true, participants: acknowledged, actions: { flower: acknowledged } });

		const ids = await listDurableObjectIds(env.SHARD);
		await Promise.all(ids.map((id) => runDurableObjectAlarm(env.SHARD.get(id))));
		expect(await env.CEREMONY.getByName(`${year}`).stats(year)).toEqual(final);
		const report = await (await committee(`/api/v1/admin/ceremonies/${year}/audit`)).json<{
			recount: { actions: { flower: number } };
		}>();
		expect(report.recount.actions.flower).toBe(acknowledged);
	});
});
