import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ShardDO } from "../../durable/shard";
import { shardName } from "../../src/domain/shard-routing";
import { act, audit, call, ceremonyConfig, flushShards, newParticipant, stats, YEAR } from "./helpers";

type Body = { actionId?: string; certificate?: { number: number } };
type Answer = { status: number; body: Body };
type Job = { token: string; participant: number; type: "flower" | "incense"; key: string };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function send(job: Job): Promise<Answer> {
	const res = await act(job.token, job.key, { type: job.type });
	return { status: res.status, body: await res.json<Body>() };
}

/** The shard's own log of what it committed, and when, read from its SQLite. */
const committedBy = (shard: DurableObjectStub<ShardDO>) =>
	runInDurableObject(shard, (_instance, state) =>
		state.storage.sql
			.exec<{ idempotency_key: string; at: number }>("SELECT idempotency_key, at FROM actions")
			.toArray(),
	);
const instanceOf = (shard: DurableObjectStub<ShardDO>) => runInDurableObject(shard, (instance) => instance);

describe("a ShardDO evicted in the middle of a burst", () => {
	it("evicts with actions in flight, counts every retried key once and repeats no certificate number", async () => {
		const participants = await Promise.all(Array.from({ length: 200 }, () => newParticipant()));
		const jobs: Job[] = participants.flatMap((p, participant) =>
			(["flower", "incense"] as const).map((type) => ({
				token: p.token,
				participant,
				type,
				key: `evict-${type}-${participant}`,
			})),
		);
		expect((await call(`/api/v1/ceremonies/${YEAR}`)).status).toBe(200); // the ceremony exists from here
		const config = await ceremonyConfig();
		const shards = Array.from({ length: config.shardCount }, (_, i) => env.SHARD.getByName(shardName(YEAR, i)));

		// Two waves, flowers then incense. Every shard is evicted while each wave runs; at the first
		// eviction, each action still unanswered is sent again with its key, as a client whose
		// connection dropped would.
		const sentAt = new Map<string, number>();
		const answered = new Set<string>();
		const answers = new Map<string, Answer>();
		const evictions: Array<{ startedAt: number; replaced: boolean[] }> = [];
		let retries: Array<Promise<Answer> | null> = [];
		for (const type of ["flower", "incense"] as const) {
			const wave = jobs.filter((job) => job.type === type);
			const before = await Promise.all(shards.map(instanceOf));
			const running = Promise.all(
				wave.map(async (job, n) => {
					await sleep(n % 50);
					sentAt.set(job.key, Date.now());
					answers.set(job.key, await send(job));
					answered.add(job.key);
				}),
			);
			// Evict once the wave's first answers are back and others are on their way.
			const onTheirWay = () => wave.some((job) => sentAt.has(job.key) && !answered.has(job.key));
			while (!wave.some((job) => answered.has(job.key)) || !onTheirWay()) await sleep(1);
			const startedAt = Date.now();
			if (evictions.length === 0)
				retries = jobs.map((job) => (sentAt.has(job.key) && !answered.has(job.key) ? send(job) : null));
			await Promise.all(shards.map((shard) => evictDurableObject(shard)));
			await running;
			const after = await Promise.all(shards.map(instanceOf));
			evictions.push({ startedAt, replaced: before.map((instance, k) => instance !== after[k]) });
		}
		const retried = await Promise.all(retries);

		// The evictions took effect: every shard's instance was replaced, each time.
		for (const eviction of evictions) expect(eviction.replaced.every(Boolean)).toBe(true);
		// Actions were in flight at each eviction: sent before it began and committed by a shard after.
		const log = (await Promise.all(shards.map(committedBy))).flat();
		const committedAt = new Map(log.map((row) => [row.idempotency_key, row.at]));
		for (const { startedAt } of evictions) {
			const inFlight = jobs.filter(
				(job) => (sentAt.get(job.key) ?? Infinity) < startedAt && (committedAt.get(job.key) ?? 0) >= startedAt,
			);
			expect(inFlight.length, "actions sent before the eviction and committed after it began").toBeGreaterThan(0);
		}
		const retriedKeys = jobs.filter((_job, n) => retried[n] !== null).map((job) => job.key);
		expect(retriedKeys.length, "keys sent again while the eviction ran").toBeGreaterThan(0);
		console.log(
			`${retriedKeys.length} of ${jobs.length} keys retried; in flight at the evictions: ${evictions
				.map(
					({ startedAt }) =>
						jobs.filter(
							(j) => (sentAt.get(j.key) ?? Infinity) < startedAt && (committedAt.get(j.key) ?? 0) >= startedAt,
						).length,
				)
				.join(", ")}`,
		);

		// Each key is in the shards' log once, and both answers to a retried key are the same answer.
		expect(log.length).toBe(jobs.length);
		expect(new Set(log.map((row) => row.idempotency_key)).size).toBe(jobs.length);
		expect([...answers.values()].map((a) => a.status)).toEqual(jobs.map(() => 201));
		for (const [n, retry] of retried.entries()) if (retry) expect(retry).toEqual(answers.get(jobs[n]?.key ?? ""));
		const replays = await Promise.all(jobs.map(send));
		expect(replays).toEqual(jobs.map((job) => answers.get(job.key)));

		const certificateOf = new Map<number, number>();
		for (const job of jobs) {
			const number = answers.get(job.key)?.body.certificate?.number;
			expect(number).toBeTypeOf("number");
			const participant = job.participant;
			expect(certificateOf.get(participant) ?? number).toBe(number);
			certificateOf.set(participant, number as number);
		}
		expect(new Set(certificateOf.values()).size).toBe(200);

		// The public totals, read before the audit (which may pull and repair), count each key once.
		await flushShards();
		const totals = await stats();
		expect(totals.participants).toBe(200);
		expect(totals.actions.flower).toBe(200);
		expect(totals.actions.incense).toBe(200);
		expect((await audit()).match).toBe(true);
	});
});
