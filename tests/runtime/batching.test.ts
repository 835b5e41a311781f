import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMMITTEE_TOKEN, startService } from "../../bench/lib/server.mjs";

// The edge batcher as production runs it: the deployed bundle on workerd with wrangler.toml's
// compatibility date, where a promise resolved by another request wakes its waiter in the waiter's
// own context (src/shard-batcher.ts). The Vitest integration turns that off for its runner, so
// tests/worker exercises the batcher's other way of waiting; this file exercises this one.

type Service = Awaited<ReturnType<typeof startService>>;
type Answer = { status: number; body: string };
type Tally = { performCalls: number; performActions: number };

let service: Service;
let year = 0;

async function json<T>(path: string, init: RequestInit = {}): Promise<T> {
	const res = await fetch(`${service.url}${path}`, init);
	if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
	return (await res.json()) as T;
}

const committee = { authorization: `Bearer ${COMMITTEE_TOKEN}`, "content-type": "application/json" };

async function mint(n: number): Promise<string[]> {
	return Promise.all(
		Array.from({ length: n }, async () => {
			const { token } = await json<{ token: string }>("/api/v1/participants", {
				method: "POST",
				headers: committee,
				body: "{}",
			});
			return token;
		}),
	);
}

async function act(token: string, key: string, type: string): Promise<Answer> {
	const res = await fetch(`${service.url}/api/v1/ceremonies/${year}/actions`, {
		method: "POST",
		headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "idempotency-key": key },
		body: JSON.stringify(type === "blessing" ? { type, message: "国泰民安" } : { type }),
	});
	return { status: res.status, body: await res.text() };
}

const tally = () => json<Tally>("/__bench/tally");

beforeAll(async () => {
	service = await startService({ shards: 2 });
	year = (await json<{ year: number }>("/api/v1/ceremonies/current")).year;
}, 120_000);

afterAll(async () => {
	await service?.stop();
});

describe("the edge batcher on the production runtime", () => {
	it("runs where a promise resolved by another request wakes its waiter in the waiter's own context", async () => {
		const runtime = await json<{ handleCrossRequestPromiseResolution: boolean }>("/__bench/runtime");
		expect(runtime.handleCrossRequestPromiseResolution).toBe(true);
	});

	it("answers two or three actions that meet in one batch on an idle service, again and again", async () => {
		// On an idle runtime the thread goes idle while the batch's RPC is out: a waiter with nothing
		// of its own pending would be cancelled as hung here.
		const tokens = await mint(90);
		const before = await tally();
		for (let round = 0; round < 30; round++) {
			const group = tokens.slice(round * 3, round * 3 + 3);
			const answers = await Promise.all(group.map((t, i) => act(t, `idle-${round}-${i}`, "flower")));
			expect(answers.map((a) => a.status)).toEqual(group.map(() => 201));
			await new Promise((r) => setTimeout(r, 20));
		}
		const after = await tally();
		expect(after.performActions - before.performActions).toBe(90);
	});

	it("sends concurrent actions as few RPCs, gives each request its own answer, and replays each one", async () => {
		const tokens = await mint(150);
		const jobs = tokens.flatMap((token, p) =>
			(["flower", "blessing"] as const).map((type) => ({ token, p, type, key: `burst-${type}-${p}` })),
		);
		const before = await tally();
		const first = await Promise.all(jobs.map((j) => act(j.token, j.key, j.type)));
		const after = await tally();
		const rpcs = after.performCalls - before.performCalls;
		expect(after.performActions - before.performActions).toBe(jobs.length);
		expect(rpcs).toBeLessThan(jobs.length / 2);

		const certificates = new Map<number, number>();
		for (const [n, a] of first.entries()) {
			const job = jobs[n] as (typeof jobs)[number];
			expect(a.status).toBe(201);
			const body = JSON.parse(a.body) as { type: string; actionId: string; certificate: { number: number } };
			expect(body.type).toBe(job.type);
			const earlier = certificates.get(job.p);
			if (earlier !== undefined) expect(body.certificate.number).toBe(earlier);
			certificates.set(job.p, body.certificate.number);
		}
		expect(new Set(first.map((a) => (JSON.parse(a.body) as { actionId: string }).actionId)).size).toBe(jobs.length);
		expect(new Set(certificates.values()).size).toBe(tokens.length);

		// Every key twice at once: each gets its first answer, to the byte, and nothing counts again.
		const replays = await Promise.all([...jobs, ...jobs].map((j) => act(j.token, j.key, j.type)));
		for (const [n, r] of replays.entries()) expect(r).toEqual(first[n % jobs.length]);

		const report = await json<{ match: boolean; recount: { actions: Record<string, number> } }>(
			`/api/v1/admin/ceremonies/${year}/audit`,
			{ headers: committee },
		);
		expect(report.match).toBe(true);
		expect(report.recount.actions).toMatchObject({ flower: 90 + 150, blessing: 150 });
	});
});
