import { describe, expect, it } from "vitest";
import { ACTION_TYPES } from "../../src/schemas/common";
import { act, audit, call, flushShards, newParticipant, stats, YEAR } from "./helpers";

type Sent = { token: string; key: string; body: { type: string; message?: string }; participant: number };

describe("counting under concurrency", () => {
	it("counts 2,000 concurrent actions from 500 participants exactly, with replays and over-limit repeats", async () => {
		const participants = await Promise.all(Array.from({ length: 500 }, () => newParticipant()));
		const originals: Sent[] = participants.flatMap((p, i) =>
			ACTION_TYPES.map((type) => ({
				token: p.token,
				key: `${type}-${i}-${crypto.randomUUID()}`,
				body: type === "blessing" ? { type, message: i % 10 === 0 ? `加微信 ${i}` : `国泰民安 ${i}` } : { type },
				participant: i,
			})),
		);
		const overLimit: Sent[] = participants.slice(0, 100).map((p, i) => ({
			token: p.token,
			key: `again-${i}-${crypto.randomUUID()}`,
			body: { type: "flower" },
			participant: i,
		}));
		const replays = originals.filter((_, i) => i % 10 === 3);
		expect(originals).toHaveLength(2000);
		expect(replays).toHaveLength(200);

		const send = (s: Sent) =>
			act(s.token, s.key, s.body).then(async (r) => ({
				s,
				status: r.status,
				body: await r.json<Record<string, unknown>>(),
			}));
		const firstWave = await Promise.all([...originals, ...overLimit].map(send));
		const replayed = await Promise.all(replays.map(send));

		// The second flower of participants 0-99 races their first: exactly one of the two counts.
		const flowersOf = (i: number) => firstWave.filter((a) => a.s.participant === i && a.s.body.type === "flower");
		for (let i = 0; i < 100; i++)
			expect(
				flowersOf(i)
					.map((a) => a.status)
					.sort(),
			).toEqual([201, 409]);
		expect(
			firstWave.filter((a) => a.s.body.type !== "flower" || a.s.participant >= 100).every((a) => a.status === 201),
		).toBe(true);
		const originalAnswers = firstWave.filter((a) => a.status === 201);
		const overAnswers = firstWave.filter((a) => a.status === 409);
		expect(originalAnswers).toHaveLength(2000);

		// A replay gets the first answer, to the byte.
		const byKey = new Map(firstWave.map((a) => [a.s.key, a]));
		for (const r of replayed) {
			expect(r.status).toBe(byKey.get(r.s.key)?.status);
			expect(r.body).toEqual(byKey.get(r.s.key)?.body);
		}

		// One certificate number per participant, never shared.
		const numberOf = new Map<number, number>();
		for (const a of originalAnswers) {
			const n = (a.body.certificate as { number: number }).number;
			const earlier = numberOf.get(a.s.participant);
			if (earlier !== undefined) expect(n).toBe(earlier);
			numberOf.set(a.s.participant, n);
		}
		expect(new Set(numberOf.values()).size).toBe(500);
		for (const a of overAnswers) {
			expect((a.body.certificate as { number: number }).number).toBe(numberOf.get(a.s.participant));
		}

		await flushShards();
		const totals = await stats();
		expect(totals.participants).toBe(500);
		expect(totals.actions).toEqual({ flower: 500, incense: 500, bow: 500, blessing: 500 });
		expect(totals.blessingsPublished).toBe(450);

		const report = await audit();
		expect(report.match).toBe(true);
		expect(report.recount.participants).toBe(500);
		expect(report.recount.actions).toEqual({ flower: 500, incense: 500, bow: 500, blessing: 500 });

		// Through HTTP too, once the edge cache's second has passed.
		await new Promise((r) => setTimeout(r, 1100));
		const res = await call(`/api/v1/ceremonies/${YEAR}/stats`);
		expect(await res.json()).toMatchObject({ year: YEAR, participants: 500, final: false });
	});
});
