import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { aggregatorName, shardIndexFor, shardName } from "../../src/domain/shard-routing";
import type { Audit } from "../../src/schemas/audit";
import { actIn, openCeremony, publicStats } from "./ceremony-helpers";
import { call, committee, flushShards, newParticipant } from "./helpers";

async function auditOf(year: number): Promise<Audit> {
	const res = await committee(`/api/v1/admin/ceremonies/${year}/audit`);
	expect(res.status).toBe(200);
	return res.json<Audit>();
}

describe("the audit", () => {
	it("compares the recount with what the tree holds before it pulls, totals, regions and minutes, and reports each difference", async () => {
		const year = 2044;
		await openCeremony(year, 2);
		const p = await newParticipant();
		expect((await actIn(year, p.token, "audit-first", { type: "flower" })).status).toBe(201);
		await flushShards();
		expect((await auditOf(year)).held.match).toBe(true);

		// The shard's pushes fail from here: the tree does not hear of the next action.
		const shard = env.SHARD.getByName(shardName(year, shardIndexFor(p.participantId, 2)));
		await runInDurableObject(shard, (instance) => {
			instance.pushSnapshot = async () => {
				throw new Error("the aggregator is unreachable");
			};
		});
		// Nor does its aggregator pull it on its own, however slow this test runs: only the audit pulls.
		const aggregator = env.AGGREGATOR.getByName(aggregatorName(year, 0));
		await runInDurableObject(aggregator, (instance) => {
			Object.assign(instance, { pullQuietShards: async () => undefined });
		});
		expect((await actIn(year, p.token, "audit-second", { type: "incense" })).status).toBe(201);
		const seen = await publicStats(year);
		expect(seen.actions.incense).toBe(0);

		const report = await auditOf(year);
		expect(report.held.match).toBe(false);
		const minute = report.held.differences.find((d) => d.scope === "minute");
		expect(report.held.differences).toEqual(
			expect.arrayContaining([
				{ scope: "total", key: null, metric: "incense", recount: 1, tree: 0 },
				{ scope: "region", key: expect.any(String), metric: "incense", recount: 1, tree: 0 },
			]),
		);
		expect(minute).toMatchObject({ metric: "incense", recount: 1, tree: 0 });
		expect(minute?.key).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:00\.000Z$/);
		// Only then did it pull, and repair.
		expect(report.pulled).toEqual({ match: true, differences: [] });
		expect(report.match).toBe(true);
		expect(report.totals.actions).toMatchObject({ flower: 1, incense: 1 });
	});

	it("still matches after the close when a participant erases a published blessing", async () => {
		const year = 2045;
		await openCeremony(year, 2);
		const p = await newParticipant();
		const q = await newParticipant();
		expect((await actIn(year, p.token, "erase-after-close", { type: "blessing", message: "风调雨顺" })).status).toBe(
			201,
		);
		expect((await actIn(year, q.token, "kept-after-close", { type: "blessing", message: "国泰民安" })).status).toBe(
			201,
		);
		await flushShards();
		expect((await committee(`/api/v1/admin/ceremonies/${year}/close`, { method: "POST" })).status).toBe(200);
		const closed = await auditOf(year);
		expect(closed.match).toBe(true);
		expect(closed.totals.blessingsPublished).toBe(2);

		const me = `/api/v1/ceremonies/${year}/participants/me`;
		expect((await call(me, { method: "DELETE", headers: { authorization: `Bearer ${p.token}` } })).status).toBe(204);
		await flushShards();
		const erased = await auditOf(year);
		expect(erased.recount.blessingsPublished).toBe(1);
		expect(erased.held.match).toBe(true);
		expect(erased.match).toBe(true);
		// The counts stay final; the published count follows the erasure.
		const stats = await (await call(`/api/v1/ceremonies/${year}/stats`)).json<{
			final: boolean;
			blessingsPublished: number;
			actions: { blessing: number };
		}>();
		expect(stats).toMatchObject({ final: true, blessingsPublished: 1, actions: { blessing: 2 } });
	});
});
