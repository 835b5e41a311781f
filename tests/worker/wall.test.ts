import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { BlessingWall } from "../../durable/ceremony-wall";
import type { WallEntry } from "../../durable/snapshot-protocol";
import { sqlOf } from "../../durable/sql";
import { WallOutbox } from "../../durable/wall-outbox";
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

describe("an aggregator's wall outbox", () => {
	it("sends an older blessing that arrives after a newer one was delivered: shards' snapshots come in any order", async () => {
		const sent = await runInDurableObject(env.AGGREGATOR.getByName("wall-outbox-late"), (_instance, state) => {
			const outbox = new WallOutbox(sqlOf(state.storage));
			outbox.add([entry(5)]);
			const first = outbox.next();
			// Another shard's snapshot, with a blessing made before the one on its way, lands meanwhile.
			outbox.add([entry(3)]);
			outbox.delivered(first);
			const second = outbox.next();
			outbox.delivered(second);
			return { first: first.map((e) => e.id), second: second.map((e) => e.id), empty: outbox.isEmpty };
		});
		expect(sent).toEqual({ first: ["3-5"], second: ["3-3"], empty: true });
	});

	it("keeps the newest 100 published blessings and sends the newest 20 a push, then the rest", async () => {
		const pushes = await runInDurableObject(env.AGGREGATOR.getByName("wall-outbox-burst"), (_instance, state) => {
			const outbox = new WallOutbox(sqlOf(state.storage));
			outbox.add(Array.from({ length: 150 }, (_, i) => entry(i + 1)).concat(entry(151, "held")));
			const sent: number[][] = [];
			while (!outbox.isEmpty) {
				const next = outbox.next();
				sent.push(next.map((e) => Number(e.id.slice(2))));
				outbox.delivered(next);
			}
			return sent;
		});
		expect(pushes.map((p) => p.length)).toEqual([21, 20, 20, 20, 20]);
		expect(pushes[0]).toEqual([...Array.from({ length: 20 }, (_, i) => 150 - i), 151]);
		expect(pushes.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 101 }, (_, i) => i + 51));
	});

	it("trims snapshot after snapshot to at most a push's worth over the newest 100, and sends the newest first", async () => {
		const seen = await runInDurableObject(env.AGGREGATOR.getByName("wall-outbox-trickle"), (_instance, state) => {
			const sql = sqlOf(state.storage);
			const outbox = new WallOutbox(sql);
			const publishedHeld = () =>
				sql<{ n: number }>`SELECT count(*) AS n FROM wall_outbox WHERE state = 'published'`[0]?.n;
			const sizes: number[] = [];
			// Fifty snapshots of six blessings each, one held, none delivered.
			for (let s = 0; s < 50; s++) {
				outbox.add(Array.from({ length: 6 }, (_, i) => entry(s * 6 + i + 1, i === 5 ? "held" : "published")));
				sizes.push(publishedHeld() ?? -1);
			}
			// A new object over the same table knows nothing of the count: its first snapshot trims.
			const restarted = new WallOutbox(sql);
			restarted.add([entry(301)]);
			return { sizes, afterRestart: publishedHeld(), next: restarted.next().map((e) => Number(e.id.slice(2))) };
		});
		expect(Math.max(...seen.sizes)).toBeLessThanOrEqual(120);
		expect(seen.sizes.at(-1)).toBeGreaterThanOrEqual(100);
		expect(seen.afterRestart).toBe(100);
		const newestPublished = Array.from({ length: 301 }, (_, i) => 301 - i).filter((n) => n === 301 || n % 6 !== 0);
		expect(seen.next.slice(0, 20)).toEqual(newestPublished.slice(0, 20));
		// Every held one is kept, oldest first, after the published ones.
		expect(seen.next.slice(20)).toEqual(Array.from({ length: 50 }, (_, i) => (i + 1) * 6));
	});
});
