import { listDurableObjectIds, runDurableObjectAlarm } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { expect } from "vitest";
import { nextCeremonyYear } from "../../src/domain/calendar";
import { presentStats } from "../../src/present/figures";
import { presentBlessing, presentPage } from "../../src/present/wall";

export const YEAR = nextCeremonyYear(Date.now());
export const COMMITTEE = "test-committee-token-ada";
export const BASE = "https://baizu.test";

export function call(path: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> {
	const headers = new Headers(init.headers);
	let body = init.body;
	if (init.json !== undefined) {
		body = JSON.stringify(init.json);
		if (!headers.has("content-type")) headers.set("content-type", "application/json");
	}
	return exports.default.fetch(`${BASE}${path}`, { ...init, headers, body });
}

export async function newParticipant(): Promise<{ participantId: string; token: string }> {
	// A committee token exempts the test's many participants from the per-address limit.
	const res = await call("/api/v1/participants", {
		method: "POST",
		json: {},
		headers: { authorization: `Bearer ${COMMITTEE}` },
	});
	expect(res.status).toBe(201);
	return res.json();
}

export function act(
	token: string,
	key: string | null,
	body: unknown,
	extra: Record<string, string> = {},
): Promise<Response> {
	const headers: Record<string, string> = { authorization: `Bearer ${token}`, ...extra };
	if (key !== null) headers["idempotency-key"] = key;
	return call(`/api/v1/ceremonies/${YEAR}/actions`, { method: "POST", headers, json: body });
}

export const committee = (path: string, init: RequestInit & { json?: unknown } = {}) =>
	call(path, { ...init, headers: { authorization: `Bearer ${COMMITTEE}`, ...(init.headers ?? {}) } });

/** Runs every shard's, then every aggregator's, pending alarm (their snapshot pushes), as the platform would. */
export async function flushShards(): Promise<void> {
	for (let round = 0; round < 3; round++) {
		const shards = await listDurableObjectIds(env.SHARD);
		await Promise.all(shards.map((id) => runDurableObjectAlarm(env.SHARD.get(id))));
		const aggregators = await listDurableObjectIds(env.AGGREGATOR);
		await Promise.all(aggregators.map((id) => runDurableObjectAlarm(env.AGGREGATOR.get(id))));
	}
}

export const ceremony = () => env.CEREMONY.getByName(`${YEAR}`);

/** The ceremony's configuration as its CeremonyDO holds it. */
export async function ceremonyConfig(year = YEAR) {
	const outcome = await env.CEREMONY.getByName(`${year}`).getConfig(year, null);
	if (outcome.kind !== "config") throw new Error(`no ceremony for ${year}`);
	return outcome.config;
}

/** An RPC outcome of the expected kind; any other fails the test. */
export function outcomeOf<T extends { kind: string }, K extends T["kind"]>(
	outcome: T,
	kind: K,
): Extract<T, { kind: K }> {
	if (outcome.kind !== kind) throw new Error(`expected ${kind}, got ${JSON.stringify(outcome)}`);
	return outcome as Extract<T, { kind: K }>;
}

/** The totals as the CeremonyDO holds them now, in their public shape (the HTTP read adds up to a second of edge cache). */
export const stats = async (year = YEAR) =>
	presentStats(year, outcomeOf(await env.CEREMONY.getByName(`${year}`).stats(year), "figures").figures);

/** The blessing wall as the CeremonyDO holds it now, in its public shape. */
export const wallPage = async (limit = 100, year = YEAR) =>
	presentPage(
		outcomeOf(await env.CEREMONY.getByName(`${year}`).blessings(year, limit, undefined), "page").page,
		presentBlessing,
	);

export async function audit() {
	const res = await committee(`/api/v1/admin/ceremonies/${YEAR}/audit`);
	expect(res.status).toBe(200);
	return res.json<{
		match: boolean;
		recount: { participants: number; actions: Record<string, number>; blessingsPublished: number };
		totals: { participants: number; actions: Record<string, number>; blessingsPublished: number };
		shards: Array<{ match: boolean; version: number; shardIndex: number }>;
	}>();
}

export const expectProblem = async (res: Response, status: number, type?: string) => {
	expect(res.status).toBe(status);
	expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
	const body = await res.json<{ type: string; title: string; status: number }>();
	expect(body.status).toBe(status);
	if (type) expect(body.type).toBe(`/problems/${type}`);
	return body;
};
