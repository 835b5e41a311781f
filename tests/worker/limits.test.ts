import { describe, expect, it } from "vitest";
import { act, COMMITTEE, call, expectProblem, newParticipant, YEAR } from "./helpers";

const issue = (ip: string, authorization?: string) =>
	call("/api/v1/participants", {
		method: "POST",
		json: {},
		headers: { "cf-connecting-ip": ip, ...(authorization ? { authorization } : {}) },
	});

describe("rate limits", () => {
	it("refuse a bot-like burst from one participant with 429 and Retry-After, while others go on", async () => {
		const bot = await newParticipant();
		const person = await newParticipant();
		// The limiter counts in fixed windows (20 per 10 s): one may turn over during the burst.
		let refused: Response | null = null;
		let answered = 0;
		while (!refused && answered <= 40) {
			const res = await act(bot.token, `burst-key-${answered}`, { type: "flower" });
			if (res.status === 429) refused = res;
			else {
				expect([201, 409]).toContain(res.status);
				answered++;
			}
		}
		expect(answered).toBeGreaterThanOrEqual(20);
		expect(answered).toBeLessThanOrEqual(40);
		expect(refused?.headers.get("retry-after")).toBe("10");
		await expectProblem(refused as Response, 429, "rate-limited");
		expect((await act(person.token, "person-key-1", { type: "flower" })).status).toBe(201);
	});

	it("limit new tokens per address, generously, with a committee token exempt", async () => {
		let issued = 0;
		let refused: Response | null = null;
		while (!refused && issued <= 240) {
			const res = await issue("198.51.100.7");
			if (res.status === 201) issued++;
			else refused = res;
		}
		expect(issued).toBeGreaterThanOrEqual(120);
		await expectProblem(refused as Response, 429, "rate-limited");
		expect((await issue("198.51.100.7", `Bearer ${COMMITTEE}`)).status).toBe(201);
		expect((await issue("198.51.100.8")).status).toBe(201);
	});

	it("limit new tokens per IPv6 /64, not per address: rotating addresses inside one /64 gains nothing", async () => {
		let issued = 0;
		let refused: Response | null = null;
		while (!refused && issued <= 240) {
			// A new address of the same /64 for every request, spelled in several ways.
			const host = (issued + 1).toString(16);
			const address = issued % 2 === 0 ? `2001:db8:77:1::${host}` : `2001:0db8:0077:0001:0:0:${host}:1`;
			const res = await issue(address);
			if (res.status === 201) issued++;
			else refused = res;
		}
		expect(issued).toBeGreaterThanOrEqual(120);
		expect(issued).toBeLessThanOrEqual(240);
		await expectProblem(refused as Response, 429, "rate-limited");
		expect((await issue("2001:db8:77:2::1")).status).toBe(201);
	});

	it("limit anonymous public reads per address, and give media keys a limit of their own", async () => {
		const read = (ip: string, headers: Record<string, string> = {}) =>
			call(`/api/v1/ceremonies/${YEAR}/stats`, { headers: { "cf-connecting-ip": ip, ...headers } });
		// The limiter counts in fixed one-minute windows: a window may turn over during the loop.
		let served = 0;
		while (served <= 2400 && (await read("203.0.113.9")).status === 200) served++;
		expect(served).toBeGreaterThanOrEqual(1200);
		expect(served).toBeLessThanOrEqual(2400);
		expect((await read("203.0.113.9", { "x-api-key": "media-key-of-xinhua" })).status).toBe(200);
		await expectProblem(await read("203.0.113.9", { "x-api-key": "no-such-key-000" }), 401, "unauthorized");
	});
});
