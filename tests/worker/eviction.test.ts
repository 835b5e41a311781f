import { evictDurableObject, listDurableObjectIds } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { act, audit, flushShards, newParticipant, stats } from "./helpers";

type Answer = { status: number; body: { actionId?: string; certificate?: { number: number } } };

/** A client as the page is: on a 5xx or a dropped request it retries with the same key. */
async function actUntilAnswered(token: string, key: string, body: unknown): Promise<{ first: Answer; final: Answer }> {
	let first: Answer | null = null;
	for (let attempt = 0; attempt < 20; attempt++) {
		try {
			const res = await act(token, key, body);
			const answer = { status: res.status, body: await res.json<Answer["body"]>() };
			first ??= answer;
			if (res.status < 500) return { first, final: answer };
		} catch {
			// the connection dropped: retry
		}
		await new Promise((r) => setTimeout(r, 20 * (attempt + 1)));
	}
	throw new Error(`no answer for ${key}`);
}

describe("a ShardDO evicted in the middle of a burst", () => {
	it("loses no acknowledged action and repeats no certificate number", async () => {
		const participants = await Promise.all(Array.from({ length: 200 }, () => newParticipant()));
		const jobs = participants.flatMap((p, i) =>
			(["flower", "incense"] as const).map((type) => ({ p, i, type, key: `evict-${type}-${i}` })),
		);
		let answered = 0;
		const answeredAtEviction: number[] = [];
		const burst = Promise.all(
			jobs.map(async (job, n) => {
				await new Promise((r) => setTimeout(r, n % 50));
				const answer = await actUntilAnswered(job.p.token, job.key, { type: job.type });
				answered++;
				return { job, ...answer };
			}),
		);
		// Evict every shard twice while the burst is running.
		const evictions = (async () => {
			for (const delay of [15, 10]) {
				await new Promise((r) => setTimeout(r, delay));
				const ids = await listDurableObjectIds(env.SHARD);
				answeredAtEviction.push(answered);
				await Promise.all(ids.map((id) => evictDurableObject(env.SHARD.get(id))));
			}
		})();
		const [answers] = await Promise.all([burst, evictions]);
		// The evictions did land in the middle of the burst.
		expect(answeredAtEviction[0]).toBeLessThan(jobs.length);
		console.log(`answered before each eviction: ${answeredAtEviction.join(", ")} of ${jobs.length}`);

		expect(answers.every((a) => a.final.status === 201)).toBe(true);
		// An answer once given is the answer for good: a replay now returns the same body.
		for (const a of answers.filter((x) => x.first.status === 201)) expect(a.final.body).toEqual(a.first.body);
		const replays = await Promise.all(answers.map((a) => act(a.job.p.token, a.job.key, { type: a.job.type })));
		const replayBodies = await Promise.all(replays.map((r) => r.json()));
		for (const [n, a] of answers.entries()) expect(replayBodies[n]).toEqual(a.final.body);

		const certificateOf = new Map<number, number>();
		for (const a of answers) {
			const number = a.final.body.certificate?.number as number;
			expect(certificateOf.get(a.job.i) ?? number).toBe(number);
			certificateOf.set(a.job.i, number);
		}
		expect(new Set(certificateOf.values()).size).toBe(200);

		await flushShards();
		const totals = await stats();
		expect(totals.participants).toBe(200);
		expect(totals.actions.flower).toBe(200);
		expect(totals.actions.incense).toBe(200);
		expect((await audit()).match).toBe(true);
	});
});
