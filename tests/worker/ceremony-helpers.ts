/** Helpers for tests that open a ceremony of their own and load it through HTTP. */
import { expect } from "vitest";
import { call, committee, flushShards } from "./helpers";

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export type Totals = { participants: number; actions: Record<string, number> };
export const totalOf = (s: Totals) => Object.values(s.actions).reduce((a, b) => a + b, 0);

/** A ceremony of its own, open now, with `shardCount` shards (64 takes four aggregators). */
export async function openCeremony(year: number, shardCount: number) {
	const now = Date.now();
	const window = { opensAt: new Date(now - 1000).toISOString(), closesAt: new Date(now + 86_400_000).toISOString() };
	const res = await committee(`/api/v1/admin/ceremonies/${year}`, { method: "PUT", json: { window, shardCount } });
	expect(res.status).toBe(201);
}

export function actIn(year: number, token: string, key: string, body: unknown) {
	return call(`/api/v1/ceremonies/${year}/actions`, {
		method: "POST",
		headers: { authorization: `Bearer ${token}`, "idempotency-key": key },
		json: body,
	});
}

/** Acts until answered below 500 with the same key, as the page does. */
export async function settle(year: number, token: string, key: string, body: unknown): Promise<number> {
	for (let attempt = 0; attempt < 30; attempt++) {
		try {
			const res = await actIn(year, token, key, body);
			await res.body?.cancel();
			if (res.status < 500) return res.status;
		} catch {
			// dropped: retry
		}
		await sleep(20 * (attempt + 1));
	}
	throw new Error(`no answer for ${key}`);
}

export const publicStats = async (year: number) => {
	const res = await call(`/api/v1/ceremonies/${year}/stats`);
	expect(res.status).toBe(200);
	return res.json<Totals>();
};

export async function auditOf(year: number) {
	const res = await committee(`/api/v1/admin/ceremonies/${year}/audit`);
	expect(res.status).toBe(200);
	const body = await res.json<{ match: boolean; recount: Totals }>();
	if (!body.match) console.log("AUDIT", JSON.stringify(body));
	return body;
}

/** Waits, running alarms as the platform would, until the public totals show `total` actions. */
export async function converge(year: number, total: number): Promise<Totals> {
	for (let round = 0; round < 40; round++) {
		await flushShards();
		const seen = await publicStats(year);
		if (totalOf(seen) >= total) return seen;
		await sleep(250);
	}
	return publicStats(year);
}
