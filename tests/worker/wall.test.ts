import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { BlessingWall } from "../../durable/ceremony-wall";
import type { WallEntry } from "../../durable/snapshot-protocol";
import { sqlOf } from "../../durable/sql";
import { YEAR } from "./helpers";

const entry = (n: number, state: WallEntry["state"] = "published"): WallEntry => ({
	id: `3-${n}`,
	participantId: `wall-p${n}`,
	hans: `祝福 ${n}`,
	hant: `祝福 ${n}`,
	displayName: null,
	region: "CN",
	state,
	createdAt: 1_000 + n,
});

describe("the blessing wall", () => {
	it("is cut back to its window of newest published blessings at most every 2 s, keeping every held one", async () => {
		// A CeremonyDO of a year of its own holds the wall's tables; a wall of 3 is built on them.
		const ceremony = env.CEREMONY.getByName(`${YEAR + 17}`);
		const ids = await runInDurableObject(ceremony, (_instance, state) => {
			const sql = sqlOf(state.storage);
			const wall = new BlessingWall(sql, 3, 2_000);
			const stored = () =>
				sql<{ id: string }>`SELECT id FROM wall ORDER BY created_at`.map((r) => Number(r.id.slice(2)));
			wall.add([1, 2, 3, 4, 5].map((n) => entry(n)).concat(entry(6, "held")), 10_000);
			const first = stored();
			wall.add([entry(7), entry(8)], 11_999);
			const within = stored();
			wall.add([entry(9)], 12_000);
			return { first, within, after: stored() };
		});
		expect(ids.first).toEqual([3, 4, 5, 6]);
		expect(ids.within).toEqual([3, 4, 5, 6, 7, 8]);
		expect(ids.after).toEqual([6, 7, 8, 9]);
	});
});
