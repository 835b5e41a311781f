import { afterEach, describe, expect, it, vi } from "vitest";
import { ShardDO } from "../../durable/shard";
import type { ActionIdentity, ActionOutcome, ActionRequest } from "../../durable/shard-protocol";
import { shardIndexFor } from "../../src/domain/shard-routing";
import { batchSettings, DEFAULT_BATCH_WINDOW_MS, performBatched, type SendBatch } from "../../src/shard-batcher";
import { act, audit, call, expectProblem, flushShards, newParticipant, stats, YEAR } from "./helpers";

type Answer = { status: number; body: Record<string, unknown> };

const answer = async (res: Response): Promise<Answer> => ({ status: res.status, body: await res.json() });

async function shardCount(): Promise<number> {
	const res = await call(`/api/v1/ceremonies/${YEAR}`);
	expect(res.status).toBe(200);
	return (await res.json<{ shardCount: number }>()).shardCount;
}

/** Participants who all live in one shard, so their actions meet in the same batches. */
async function participantsOfOneShard(n: number, shard = 0) {
	const count = await shardCount();
	const found: Array<{ participantId: string; token: string }> = [];
	while (found.length < n) {
		const batch = await Promise.all(Array.from({ length: n * count }, () => newParticipant()));
		found.push(...batch.filter((p) => shardIndexFor(p.participantId, count) === shard));
	}
	return found.slice(0, n);
}

afterEach(() => {
	vi.restoreAllMocks();
});

describe("edge micro-batching", () => {
	it("sends concurrent actions for one shard as few RPCs, each request with its own answer", async () => {
		const people = await participantsOfOneShard(60, 1);
		const jobs = people.flatMap((p, i) =>
			(["flower", "incense"] as const).map((type) => ({
				p,
				i,
				type,
				key: `batch-${type}-${i}-${crypto.randomUUID()}`,
			})),
		);
		// Counted where the RPCs arrive: the shard's perform.
		const performs = vi.spyOn(ShardDO.prototype, "perform");
		const first = await Promise.all(jobs.map((j) => act(j.p.token, j.key, { type: j.type }).then(answer)));
		const rpcs = performs.mock.calls.length;
		const largest = Math.max(...performs.mock.calls.map(([, requests]) => requests.length));
		console.log(`${jobs.length} concurrent actions for one shard: ${rpcs} perform calls, the largest of ${largest}`);

		// Fewer RPCs than requests, carrying every request once.
		expect(performs.mock.calls.reduce((n, [, requests]) => n + requests.length, 0)).toBe(jobs.length);
		expect(rpcs).toBeLessThan(jobs.length / 2);
		expect(largest).toBeGreaterThan(1);

		// Every request has its own answer: its type, its participant's one certificate, a unique action id.
		const numbers = new Map<number, number>();
		for (const [n, a] of first.entries()) {
			const job = jobs[n] as (typeof jobs)[number];
			expect(a.status).toBe(201);
			expect(a.body.type).toBe(job.type);
			expect(a.body.actionId).toMatch(/^1-\d+$/);
			const certificate = a.body.certificate as { number: number; url: string };
			expect(certificate.url).toContain(job.p.participantId);
			const earlier = numbers.get(job.i);
			if (earlier !== undefined) expect(certificate.number).toBe(earlier);
			numbers.set(job.i, certificate.number);
		}
		expect(new Set(first.map((a) => a.body.actionId)).size).toBe(jobs.length);
		expect(new Set(numbers.values()).size).toBe(people.length);

		// A second burst of the same keys (replays, batched too), with every key sent twice at once:
		// each gets the first answer, to the byte, and nothing is counted again.
		const replays = await Promise.all(
			[...jobs, ...jobs].map((j) => act(j.p.token, j.key, { type: j.type }).then(answer)),
		);
		for (const [n, r] of replays.entries()) expect(r).toEqual(first[n % jobs.length]);
		// The same key with another body is still refused inside a batch.
		const reused = await Promise.all(
			jobs.slice(0, 10).map((j) => act(j.p.token, j.key, { type: j.type === "flower" ? "bow" : "flower" })),
		);
		for (const r of reused) await expectProblem(r, 422, "idempotency-key-reused");

		await flushShards();
		const totals = await stats();
		expect(totals.participants).toBe(people.length);
		expect(totals.actions).toMatchObject({ flower: people.length, incense: people.length, bow: 0 });
		const report = await audit();
		expect(report.match).toBe(true);
		expect(report.recount.actions).toMatchObject({ flower: people.length, incense: people.length, bow: 0 });
	});

	it("answers every waiter of a batch whose RPC fails, and counts nothing of it", async () => {
		const people = await participantsOfOneShard(30, 2);
		const overloaded = Object.assign(new Error("Durable Object is overloaded"), { overloaded: true });
		const performs = vi.spyOn(ShardDO.prototype, "perform").mockRejectedValue(overloaded);
		const keys = people.map((_, i) => `fail-bow-${i}-${crypto.randomUUID()}`);
		const failed = await Promise.all(people.map((p, i) => act(p.token, keys[i] as string, { type: "bow" })));
		// Every call failed; batched, there were fewer of them than requests.
		expect(performs).toHaveBeenCalled();
		expect(performs.mock.calls.length).toBeLessThan(people.length);
		// Each request gets its own answer, none hangs: exactly 503 unavailable with Retry-After.
		for (const res of failed) {
			await expectProblem(res, 503, "unavailable");
			expect(res.headers.get("retry-after")).toMatch(/^[1-9]\d*$/);
		}
		performs.mockRestore();

		// Nothing was committed: the same keys, retried, now count once each.
		const bowsBefore = (await stats()).actions.bow;
		const retried = await Promise.all(people.map((p, i) => act(p.token, keys[i] as string, { type: "bow" })));
		expect(retried.map((r) => r.status)).toEqual(people.map(() => 201));
		const again = await Promise.all(people.map((p, i) => act(p.token, keys[i] as string, { type: "bow" })));
		expect(again.map((r) => r.status)).toEqual(people.map(() => 201));
		await flushShards();
		expect((await stats()).actions.bow - bowsBefore).toBe(people.length);
		expect((await audit()).match).toBe(true);
	});
});

describe("the batcher on its own", () => {
	const identity: ActionIdentity = { year: YEAR, shardCount: 4, shardIndex: 3, configVersion: 1 };
	const request = (n: number): ActionRequest => ({
		participantId: `p${n}`,
		idempotencyKey: `key-${n}-0000`,
		type: "flower",
		body: "f",
		blessing: null,
		limit: 1,
		country: "CN",
		replayOnly: false,
	});
	const accept = (requests: ActionRequest[]): ActionOutcome[] =>
		requests.map((r) => ({ kind: "accepted", seq: Number(r.participantId.slice(1)), type: r.type, certificate: 1 }));

	it("reads EDGE_BATCH_MS: unset or invalid is the default, 0 is off", () => {
		expect(batchSettings({}).windowMs).toBe(DEFAULT_BATCH_WINDOW_MS);
		expect(batchSettings({ EDGE_BATCH_MS: "0" }).windowMs).toBe(0);
		expect(batchSettings({ EDGE_BATCH_MS: "5" }).windowMs).toBe(5);
		expect(batchSettings({ EDGE_BATCH_MS: "soon" }).windowMs).toBe(DEFAULT_BATCH_WINDOW_MS);
		expect(batchSettings({ EDGE_BATCH_MS: "-1" }).windowMs).toBe(DEFAULT_BATCH_WINDOW_MS);
	});

	it("sends one RPC per request when off, and one per window when on", async () => {
		const sizes: number[] = [];
		const send: SendBatch = async (_id, requests) => {
			sizes.push(requests.length);
			return accept(requests);
		};
		const off = await Promise.all(
			Array.from({ length: 20 }, (_, n) =>
				performBatched(identity, request(n), send, batchSettings({ EDGE_BATCH_MS: "0" })),
			),
		);
		expect(sizes).toEqual(Array.from({ length: 20 }, () => 1));
		expect(off.map((o) => (o.kind === "accepted" ? o.seq : -1))).toEqual(Array.from({ length: 20 }, (_, n) => n));

		sizes.length = 0;
		const on = await Promise.all(
			Array.from({ length: 20 }, (_, n) =>
				performBatched(identity, request(n), send, batchSettings({ EDGE_BATCH_MS: "5" })),
			),
		);
		expect(sizes).toEqual([20]);
		expect(on.map((o) => (o.kind === "accepted" ? o.seq : -1))).toEqual(Array.from({ length: 20 }, (_, n) => n));

		// A full batch goes at once, without waiting for the window.
		sizes.length = 0;
		const settings = { windowMs: 200, maxSize: 8, maxInFlight: 2 };
		const startedAt = Date.now();
		let sentAfter = -1;
		const timed: SendBatch = async (id, requests) => {
			sentAfter = Date.now() - startedAt;
			return send(id, requests);
		};
		await Promise.all(Array.from({ length: 16 }, (_, n) => performBatched(identity, request(n), timed, settings)));
		expect(sizes).toEqual([8, 8]);
		expect(sentAfter).toBeLessThan(100);
	});

	it("sends a batch that waits for a lane soon after the lane comes free, and answers each of its waiters", async () => {
		const settings = { windowMs: 1, maxSize: 100, maxInFlight: 1 };
		let release: () => void = () => {};
		const sent: Array<{ size: number; at: number }> = [];
		const send: SendBatch = async (_id, requests) => {
			sent.push({ size: requests.length, at: Date.now() });
			// The first batch holds the only lane until released.
			if (sent.length === 1) await new Promise<void>((resolve) => (release = resolve));
			return accept(requests);
		};
		const first = performBatched(identity, request(0), send, settings);
		await scheduler.wait(20);
		// These wait for the lane: their window is over, and the one lane is busy.
		const waiting = Array.from({ length: 5 }, (_, n) => performBatched(identity, request(n + 1), send, settings));
		await scheduler.wait(50);
		expect(sent.map((s) => s.size)).toEqual([1]);
		const releasedAt = Date.now();
		release();
		const outcomes = await Promise.all([first, ...waiting]);
		expect(outcomes.map((o) => (o.kind === "accepted" ? o.seq : -1))).toEqual([0, 1, 2, 3, 4, 5]);
		expect(sent.map((s) => s.size)).toEqual([1, 5]);
		// Sent when the lane came back, not at the lane-wait limit (1 s).
		expect((sent[1]?.at ?? Number.POSITIVE_INFINITY) - releasedAt).toBeLessThan(500);
	});

	it("rejects every waiter when the RPC throws, and sends a batch again alone when the error is not retryable", async () => {
		const overloaded = Object.assign(new Error("overloaded"), { overloaded: true });
		const waiters = Array.from({ length: 10 }, (_, n) =>
			performBatched(identity, request(n), () => Promise.reject(overloaded), batchSettings({})),
		);
		const results = await Promise.allSettled(waiters);
		for (const r of results) {
			expect(r.status).toBe("rejected");
			expect((r as PromiseRejectedResult).reason).toMatchObject({ overloaded: true });
		}

		// One request of the batch breaks it: each is sent alone, and only that one fails.
		const sizes: number[] = [];
		const send: SendBatch = async (_id, requests) => {
			sizes.push(requests.length);
			if (requests.some((r) => r.participantId === "p3")) throw new Error("bad request p3");
			return accept(requests);
		};
		const mixed = await Promise.allSettled(
			Array.from({ length: 6 }, (_, n) => performBatched(identity, request(n), send, batchSettings({}))),
		);
		expect(sizes).toEqual([6, 1, 1, 1, 1, 1, 1]);
		expect(mixed.map((r) => r.status)).toEqual([
			"fulfilled",
			"fulfilled",
			"fulfilled",
			"rejected",
			"fulfilled",
			"fulfilled",
		]);
	});
});
