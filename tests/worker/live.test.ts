import { evictDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { LiveTotals } from "../../src/schemas/live";
import {
	act,
	BASE,
	COMMITTEE,
	call,
	ceremony,
	committee,
	expectProblem,
	flushShards,
	newParticipant,
	outcomeOf,
	stats,
	wallPage,
	YEAR,
} from "./helpers";

const livePath = `/api/v1/admin/ceremonies/${YEAR}/live`;

interface Socket {
	ws: WebSocket;
	close(): Promise<void>;
	messages: Array<{ type: string } & Partial<LiveTotals>>;
	next(timeoutMs?: number): Promise<{ type: string } & Partial<LiveTotals>>;
}

async function open(
	query = "",
	headers: Record<string, string> = { authorization: `Bearer ${COMMITTEE}` },
): Promise<Socket> {
	return wrap(
		await exports.default.fetch(`${BASE}${livePath}${query}`, { headers: { upgrade: "websocket", ...headers } }),
	);
}

function wrap(res: Response): Socket {
	expect(res.status).toBe(101);
	const ws = res.webSocket as WebSocket;
	ws.accept();
	const messages: Socket["messages"] = [];
	let seen = 0;
	const waiters: Array<() => void> = [];
	ws.addEventListener("message", (event) => {
		messages.push(JSON.parse(event.data as string));
		for (const wake of waiters.splice(0)) wake();
	});
	const closed = new Promise<void>((resolve) => ws.addEventListener("close", () => resolve()));
	return {
		ws,
		messages,
		async close() {
			ws.close(1000, "done");
			await Promise.race([closed, sleep(2000)]);
		},
		async next(timeoutMs = 3000) {
			const deadline = Date.now() + timeoutMs;
			while (messages.length <= seen) {
				if (Date.now() > deadline) throw new Error("no message");
				await new Promise<void>((resolve) => {
					waiters.push(resolve);
					setTimeout(resolve, 50);
				});
			}
			return messages[seen++] as Socket["messages"][number];
		},
	};
}

const ticket = async () =>
	(await (await committee("/api/v1/admin/tickets", { method: "POST" })).json<{ ticket: string }>()).ticket;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("the committee's live socket", () => {
	it("refuses no token, a wrong token, a used ticket and a forged or expired one, before any socket opens", async () => {
		const upgrade = { upgrade: "websocket" };
		await expectProblem(await exports.default.fetch(`${BASE}${livePath}`, { headers: upgrade }), 401, "unauthorized");
		await expectProblem(
			await exports.default.fetch(`${BASE}${livePath}`, {
				headers: { ...upgrade, authorization: "Bearer wrong-token-123" },
			}),
			401,
		);
		const used = await ticket();
		const first = await open(`?ticket=${encodeURIComponent(used)}`, {});
		await first.close();
		const again = await exports.default.fetch(`${BASE}${livePath}?ticket=${encodeURIComponent(used)}`, {
			headers: upgrade,
		});
		expect(again.status).toBe(401);
		expect(again.webSocket).toBeNull();
		const forged = `${used.slice(0, -2)}AA`;
		await expectProblem(
			await exports.default.fetch(`${BASE}${livePath}?ticket=${encodeURIComponent(forged)}`, { headers: upgrade }),
			401,
		);
		const expired = `YWRh.${Date.now() - 1000}.AAAAAAAAAAAAAAAA.${"A".repeat(43)}`;
		await expectProblem(await exports.default.fetch(`${BASE}${livePath}?ticket=${expired}`, { headers: upgrade }), 401);
	});

	it("pushes an update after actions land, and nothing when nothing changed", async () => {
		const socket = await open();
		const hello = await socket.next();
		expect(hello.type).toBe("totals");
		const before = hello.stats?.actions.flower ?? 0;

		const p = await newParticipant();
		expect((await act(p.token, "live-flower-0001", { type: "flower" })).status).toBe(201);
		await flushShards();
		const update = await socket.next();
		expect(update.stats?.actions.flower).toBe(before + 1);
		expect(update.shards?.length).toBeGreaterThan(0);

		await sleep(1500);
		outcomeOf(await ceremony().broadcast(YEAR), "broadcast");
		await flushShards();
		await sleep(1200);
		expect(socket.messages.map((m) => m.stats?.actions)).toHaveLength(2);

		socket.ws.send(JSON.stringify({ type: "ping" }));
		expect((await socket.next()).type).toBe("pong");
		socket.ws.send("not json");
		expect((await socket.next()).type).toBe("error");
		await socket.close();
	});

	it("keeps working after the CeremonyDO hibernates or is evicted", async () => {
		// A ceremony of its own, reached straight at its object as the Worker forwards the socket:
		// sockets proxied through the Worker by earlier tests would keep the object from eviction.
		const year = YEAR + 2;
		const now = Date.now();
		const window = { opensAt: new Date(now - 1000).toISOString(), closesAt: new Date(now + 86_400_000).toISOString() };
		expect(
			(await committee(`/api/v1/admin/ceremonies/${year}`, { method: "PUT", json: { window, shardCount: 2 } })).status,
		).toBe(201);
		const object = () => env.CEREMONY.getByName(`${year}`);
		const res = await object().fetch(`${BASE}/live`, {
			headers: { upgrade: "websocket", "x-committee-member": "ada", "x-ceremony-year": `${year}` },
		});
		const socket = wrap(res);
		await socket.next();
		await evictDurableObject(object());
		// Restored from the socket's attachment: it has seen these figures, so nothing is resent.
		expect(await object().broadcast(year)).toEqual({ kind: "broadcast", sockets: 0 });

		const p = await newParticipant();
		const res2 = await call(`/api/v1/ceremonies/${year}/actions`, {
			method: "POST",
			headers: { authorization: `Bearer ${p.token}`, "idempotency-key": "live-incense-0001" },
			json: { type: "incense" },
		});
		expect(res2.status).toBe(201);
		await flushShards();
		const update = await socket.next();
		expect(update.type).toBe("totals");
		await socket.close();
	});

	it("sends each update to 500 sockets", async () => {
		const sockets = await Promise.all(Array.from({ length: 500 }, () => open()));
		const firsts = await Promise.all(sockets.map((s) => s.next(10_000)));
		const before = new Set(firsts.map((u) => u.stats?.actions.bow));
		expect(before.size).toBe(1);
		const old = [...before][0] as number;
		const p = await newParticipant();
		expect((await act(p.token, "live-bow-0001", { type: "bow" })).status).toBe(201);
		await flushShards();
		const updates = await Promise.all(sockets.map((s) => s.next(10_000)));
		// Every socket gets the new figure: the old count plus the one bow.
		expect(updates.map((u) => u.stats?.actions.bow)).toEqual(sockets.map(() => old + 1));
		await Promise.all(sockets.map((s) => s.close()));
	});
});

describe("moderation", () => {
	it("hides and restores blessings on the wall, recording who did it", async () => {
		const p = await newParticipant();
		const q = await newParticipant();
		expect((await act(p.token, "mod-bless-0001", { type: "blessing", message: "风调雨顺" })).status).toBe(201);
		expect((await act(q.token, "mod-bless-0002", { type: "blessing", message: "看广告加微信" })).status).toBe(201);
		await flushShards();
		const wall = async () => (await wallPage()).items.map((b) => b.text["zh-Hans"]);
		expect(await wall()).toContain("风调雨顺");
		expect(await wall()).not.toContain("看广告加微信");

		const held = await (await committee(`/api/v1/admin/ceremonies/${YEAR}/blessings?state=held`)).json<{
			items: Array<{ id: string; text: { "zh-Hans": string } }>;
		}>();
		const spam = held.items.find((b) => b.text["zh-Hans"] === "看广告加微信");
		expect(spam).toBeDefined();
		const published = (await wallPage()).items.find((b) => b.text["zh-Hans"] === "风调雨顺");

		const hide = await committee(`/api/v1/admin/ceremonies/${YEAR}/blessings/${published?.id}/hide`, {
			method: "POST",
		});
		expect(hide.status).toBe(200);
		expect(await hide.json()).toMatchObject({ state: "hidden", moderatedBy: "ada" });
		expect(await wall()).not.toContain("风调雨顺");

		const restore = await call(`/api/v1/admin/ceremonies/${YEAR}/blessings/${spam?.id}/restore`, {
			method: "POST",
			headers: { authorization: "Bearer test-committee-token-bo" },
		});
		expect(await restore.json()).toMatchObject({ state: "published", moderatedBy: "bo" });
		expect(await wall()).toContain("看广告加微信");

		await flushShards();
		const totals = await stats();
		const audit = await (await committee(`/api/v1/admin/ceremonies/${YEAR}/audit`)).json<{
			match: boolean;
			recount: { blessingsPublished: number };
		}>();
		expect(audit.match).toBe(true);
		expect(audit.recount.blessingsPublished).toBe(totals.blessingsPublished);
	});

	it("takes a report once per participant and queues reported blessings", async () => {
		const author = await newParticipant();
		const reader = await newParticipant();
		expect((await act(author.token, "rep-bless-0001", { type: "blessing", message: "四海同心" })).status).toBe(201);
		await flushShards();
		const id = (await wallPage()).items.find((b) => b.text["zh-Hans"] === "四海同心")?.id;
		const report = () =>
			call(`/api/v1/ceremonies/${YEAR}/blessings/${id}/reports`, {
				method: "POST",
				headers: { authorization: `Bearer ${reader.token}` },
				json: {},
			});
		expect((await report()).status).toBe(201);
		expect((await report()).status).toBe(200);
		const queue = await (await committee(`/api/v1/admin/ceremonies/${YEAR}/blessings?state=reported`)).json<{
			items: Array<{ id: string; reports: number }>;
		}>();
		expect(queue.items.find((b) => b.id === id)?.reports).toBe(1);
	});

	it("erases a participant's name and blessings, and keeps their counts", async () => {
		const p = await newParticipant();
		const me = `/api/v1/ceremonies/${YEAR}/participants/me`;
		const headers = { authorization: `Bearer ${p.token}` };
		await call(me, { method: "PUT", headers, json: { displayName: "李四" } });
		expect((await act(p.token, "erase-bless-0001", { type: "blessing", message: "家国平安" })).status).toBe(201);
		await flushShards();
		const before = await stats();
		expect((await call(me, { method: "DELETE", headers })).status).toBe(204);
		await flushShards();
		const after = await stats();
		expect(after.actions.blessing).toBe(before.actions.blessing);
		expect(after.participants).toBe(before.participants);
		expect(after.blessingsPublished).toBe(before.blessingsPublished - 1);
		expect((await wallPage()).items.map((b) => b.text["zh-Hans"])).not.toContain("家国平安");
		const profile = await (await call(me, { headers })).json<{
			displayName: string | null;
			certificate: object | null;
		}>();
		expect(profile.displayName).toBeNull();
		expect(profile.certificate).not.toBeNull();
	});
});
