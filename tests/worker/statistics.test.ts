import Papa from "papaparse";
import { describe, expect, it, vi } from "vitest";
import { CeremonyDO } from "../../durable/ceremony";
import { FRESH_MS } from "../../src/http/edge-cache";
import { act, call, ceremony, committee, expectProblem, flushShards, newParticipant, YEAR } from "./helpers";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Reads of public figures that reached the CeremonyDO, counted where they arrive. */
const reads = [
	vi.spyOn(CeremonyDO.prototype, "stats"),
	vi.spyOn(CeremonyDO.prototype, "regions"),
	vi.spyOn(CeremonyDO.prototype, "timeseries"),
	vi.spyOn(CeremonyDO.prototype, "blessings"),
];
const publicReads = async () => reads.reduce((n, spy) => n + spy.mock.calls.length, 0);

describe("the statistics API", async () => {
	const people = await Promise.all(Array.from({ length: 6 }, () => newParticipant()));
	const regions = ["JP", "US", "CN", "CN", "TW", "FR"];
	for (const [i, p] of people.entries()) {
		await call(`/api/v1/ceremonies/${YEAR}/participants/me`, {
			method: "PUT",
			headers: { authorization: `Bearer ${p.token}` },
			json: { region: regions[i] },
		});
		await act(p.token, `stats-flower-${i}`, { type: "flower" });
		if (i % 2 === 0) await act(p.token, `stats-incense-${i}`, { type: "incense" });
	}
	await flushShards();

	it("answers a matching If-None-Match with 304, with ETag, Cache-Control and open CORS", async () => {
		const first = await call(`/api/v1/ceremonies/${YEAR}/stats`);
		expect(first.status).toBe(200);
		const etag = first.headers.get("etag") as string;
		expect(etag).toMatch(/^"[0-9a-f]+"$/);
		expect(first.headers.get("cache-control")).toBe("public, no-cache");
		expect(first.headers.get("access-control-allow-origin")).toBe("*");
		const again = await call(`/api/v1/ceremonies/${YEAR}/stats`, { headers: { "if-none-match": etag } });
		expect(again.status).toBe(304);
		expect(await again.text()).toBe("");
		const other = await call(`/api/v1/ceremonies/${YEAR}/stats`, { headers: { "if-none-match": '"stale"' } });
		expect(other.status).toBe(200);
		const preflight = await call(`/api/v1/ceremonies/${YEAR}/stats`, {
			method: "OPTIONS",
			headers: {
				origin: "https://news.example",
				"access-control-request-method": "GET",
				"access-control-request-headers": "x-api-key",
			},
		});
		expect(preflight.status).toBe(204);
		expect(preflight.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("x-api-key");
	});

	it("serves cache hits without reaching the CeremonyDO, and concurrent misses with one read", async () => {
		await sleep(1100);
		const before = await publicReads();
		const started = Date.now();
		const answers = await Promise.all(
			Array.from({ length: 20 }, () => call(`/api/v1/ceremonies/${YEAR}/stats/regions`)),
		);
		expect(answers.every((r) => r.status === 200)).toBe(true);
		expect((await publicReads()) - before).toBe(1);
		// Within the second after the read, every format of the same data is a hit.
		let hits = 0;
		while (Date.now() - started < 700) {
			expect((await call(`/api/v1/ceremonies/${YEAR}/stats/regions?format=csv`)).status).toBe(200);
			hits++;
		}
		expect(hits).toBeGreaterThan(0);
		// At most one read of the CeremonyDO per second of freshness (one when the machine is quick).
		const windows = Math.floor((Date.now() - started) / FRESH_MS) + 1;
		expect((await publicReads()) - before).toBeLessThanOrEqual(windows);
		const afterHits = await publicReads();
		await sleep(1100);
		await call(`/api/v1/ceremonies/${YEAR}/stats/regions`);
		// Once the second is over, the next request reads again.
		expect((await publicReads()) - afterHits).toBe(1);
	});

	it("gives CSV that parses into the same figures as the JSON", async () => {
		const json = await (await call(`/api/v1/ceremonies/${YEAR}/stats/regions`)).json<{
			regions: Array<{ region: string; participants: number; actions: Record<string, number> }>;
		}>();
		const res = await call(`/api/v1/ceremonies/${YEAR}/stats/regions`, { headers: { accept: "text/csv" } });
		expect(res.headers.get("content-type")).toMatch(/^text\/csv/);
		const parsed = Papa.parse<Record<string, string>>(await res.text(), { header: true, skipEmptyLines: true });
		expect(parsed.errors).toEqual([]);
		expect(parsed.data).toEqual(
			json.regions.map((r) => ({
				region: r.region,
				participants: String(r.participants),
				flower: String(r.actions.flower),
				incense: String(r.actions.incense),
				bow: String(r.actions.bow),
				blessing: String(r.actions.blessing),
			})),
		);
		expect(json.regions.find((r) => r.region === "CN")).toMatchObject({ participants: 2 });

		const totals = await (await call(`/api/v1/ceremonies/${YEAR}/stats`)).json<Record<string, unknown>>();
		const totalsCsv = Papa.parse<Record<string, string>>(
			await (await call(`/api/v1/ceremonies/${YEAR}/stats?format=csv`)).text(),
			{
				header: true,
				skipEmptyLines: true,
			},
		);
		expect(totalsCsv.data[0]).toMatchObject({ participants: String(totals.participants), countries: "5" });

		const series = await (await call(`/api/v1/ceremonies/${YEAR}/stats/timeseries?interval=1h`)).json<{
			points: Array<{ at: string; actions: Record<string, number> }>;
		}>();
		expect(series.points.reduce((n, p) => n + (p.actions.flower ?? 0), 0)).toBe(6);
		expect(series.points[0]?.at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:00:00\.000Z$/);
		const seriesCsv = await (await call(`/api/v1/ceremonies/${YEAR}/stats/timeseries?interval=1h&format=csv`)).text();
		expect(seriesCsv.split("\r\n")[0]).toBe("at,flower,incense,bow,blessing");
	});

	it("keeps a closed ceremony's totals frozen and marked final", async () => {
		const year = YEAR + 4;
		const now = Date.now();
		const window = { opensAt: new Date(now - 1000).toISOString(), closesAt: new Date(now + 86_400_000).toISOString() };
		expect(
			(await committee(`/api/v1/admin/ceremonies/${year}`, { method: "PUT", json: { window, shardCount: 3 } })).status,
		).toBe(201);
		const actIn = (token: string, key: string, type: string) =>
			call(`/api/v1/ceremonies/${year}/actions`, {
				method: "POST",
				headers: { authorization: `Bearer ${token}`, "idempotency-key": key },
				json: { type },
			});
		for (const [i, p] of people.entries()) expect((await actIn(p.token, `closing-${i}`, "bow")).status).toBe(201);

		const closed = await committee(`/api/v1/admin/ceremonies/${year}/close`, { method: "POST" });
		expect(closed.status).toBe(200);
		const final = await closed.json<{ final: boolean; actions: { bow: number } }>();
		expect(final).toMatchObject({ final: true, actions: { bow: 6 } });

		await expectProblem(await actIn(people[0]?.token as string, "after-close-1", "flower"), 403);
		await flushShards();
		await sleep(1100);
		expect(await (await call(`/api/v1/ceremonies/${year}/stats`)).json()).toEqual(final);
		expect(await (await call(`/api/v1/ceremonies/${year}`)).json()).toMatchObject({ status: "closed", final: true });
		await expectProblem(
			await committee(`/api/v1/admin/ceremonies/${year}`, { method: "PUT", json: { liveStreamUrl: null } }),
			409,
		);
		expect(await ceremony().stats(YEAR)).toMatchObject({ final: false });
	});
});
