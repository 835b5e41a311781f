import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { shardIndexFor, shardName } from "../../src/domain/shard-routing";
import { act, call, committee, expectProblem, flushShards, newParticipant, wallPage, YEAR } from "./helpers";

/** A ceremony of its own, open now, so that closing it leaves the other tests' ceremony alone. */
async function openCeremony(year: number, shardCount = 2): Promise<void> {
	const now = Date.now();
	const window = { opensAt: new Date(now - 1000).toISOString(), closesAt: new Date(now + 86_400_000).toISOString() };
	const res = await committee(`/api/v1/admin/ceremonies/${year}`, { method: "PUT", json: { window, shardCount } });
	expect(res.status).toBe(201);
}

const actIn = (year: number, token: string, key: string, body: unknown) =>
	call(`/api/v1/ceremonies/${year}/actions`, {
		method: "POST",
		headers: { authorization: `Bearer ${token}`, "idempotency-key": key },
		json: body,
	});

const wall = async () =>
	(await ceremonyBlessings()).items.map((b) => ({ id: b.id, text: b.text["zh-Hans"], displayName: b.displayName }));

async function ceremonyBlessings() {
	return wallPage();
}

async function queue(state: "held" | "reported" | "hidden") {
	const res = await committee(`/api/v1/admin/ceremonies/${YEAR}/blessings?state=${state}`);
	expect(res.status).toBe(200);
	return (await res.json<{ items: Array<{ id: string; reports: number; text: { "zh-Hans": string } }> }>()).items;
}

const report = (token: string, id: string, ip = "203.0.113.9") =>
	call(`/api/v1/ceremonies/${YEAR}/blessings/${id}/reports`, {
		method: "POST",
		headers: { authorization: `Bearer ${token}`, "cf-connecting-ip": ip },
		json: {},
	});

describe("replays after the ceremony closed", () => {
	it("answer the first status and body, and a new key is refused as closed", async () => {
		const year = YEAR + 11;
		await openCeremony(year);
		const p = await newParticipant();
		const first = await actIn(year, p.token, "replay-after-close-1", { type: "flower" });
		expect(first.status).toBe(201);
		const firstBody = await first.json();
		expect((await committee(`/api/v1/admin/ceremonies/${year}/close`, { method: "POST" })).status).toBe(200);

		const replay = await actIn(year, p.token, "replay-after-close-1", { type: "flower" });
		expect(replay.status).toBe(201);
		expect(await replay.json()).toEqual(firstBody);
		await expectProblem(await actIn(year, p.token, "replay-after-close-1", { type: "bow" }), 422);
		await expectProblem(await actIn(year, p.token, "replay-after-close-2", { type: "bow" }), 403, "ceremony-closed");
	});

	it("answer the first status when the window has ended by time", async () => {
		const year = YEAR + 12;
		await openCeremony(year);
		const p = await newParticipant();
		const first = await actIn(year, p.token, "replay-after-window-1", { type: "incense" });
		expect(first.status).toBe(201);
		const firstBody = await first.json();
		const now = Date.now();
		const ended = { opensAt: new Date(now - 86_400_000).toISOString(), closesAt: new Date(now - 1000).toISOString() };
		expect(
			(await committee(`/api/v1/admin/ceremonies/${year}`, { method: "PUT", json: { window: ended } })).status,
		).toBe(200);
		// The Worker's copy of the configuration lives 2 s.
		await new Promise((resolve) => setTimeout(resolve, 2100));
		const replay = await actIn(year, p.token, "replay-after-window-1", { type: "incense" });
		expect(replay.status).toBe(201);
		expect(await replay.json()).toEqual(firstBody);
		await expectProblem(await actIn(year, p.token, "replay-after-window-2", { type: "bow" }), 403, "outside-window");
	});
});

describe("fingerprints", () => {
	it("tell the same blessing in another script apart: the same key with Traditional text is 422", async () => {
		const p = await newParticipant();
		expect((await act(p.token, "script-key-0001", { type: "blessing", message: "国泰民安" })).status).toBe(201);
		expect((await act(p.token, "script-key-0001", { type: "blessing", message: "国泰民安" })).status).toBe(201);
		await expectProblem(
			await act(p.token, "script-key-0001", { type: "blessing", message: "國泰民安" }),
			422,
			"idempotency-key-reused",
		);
	});

	it("are salted per shard: the log holds no plain SHA-256 of the request", async () => {
		const p = await newParticipant();
		expect((await act(p.token, "salt-key-0001", { type: "blessing", message: "风调雨顺" })).status).toBe(201);
		const index = shardIndexFor(p.participantId, 4);
		const stored = await runInDurableObject(env.SHARD.getByName(shardName(YEAR, index)), (_o, state) => {
			return state.storage.sql
				.exec<{ fingerprint: string }>(
					"SELECT fingerprint FROM actions WHERE participant_id = ? AND idempotency_key = ?",
					p.participantId,
					"salt-key-0001",
				)
				.one().fingerprint;
		});
		const plain = async (text: string) => {
			const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
			return btoa(String.fromCharCode(...new Uint8Array(digest).slice(0, 16)))
				.replace(/\+/g, "-")
				.replace(/\//g, "_")
				.replace(/=+$/, "");
		};
		expect(stored).not.toBe(await plain("blessing\n风调雨顺"));
		expect(stored.length).toBeGreaterThanOrEqual(22);
	});
});

describe("erasure", () => {
	it("leaves no fingerprint of the erased text: a replay of its key answers 410 erased", async () => {
		const p = await newParticipant();
		const headers = { authorization: `Bearer ${p.token}` };
		expect((await act(p.token, "erase-fp-0001", { type: "blessing", message: "愿祖国繁荣" })).status).toBe(201);
		expect((await act(p.token, "erase-fp-0002", { type: "flower" })).status).toBe(201);
		const me = `/api/v1/ceremonies/${YEAR}/participants/me`;
		expect((await call(me, { method: "DELETE", headers })).status).toBe(204);

		await expectProblem(
			await act(p.token, "erase-fp-0001", { type: "blessing", message: "愿祖国繁荣" }),
			410,
			"erased",
		);
		await expectProblem(await act(p.token, "erase-fp-0001", { type: "blessing", message: "另一句话" }), 410, "erased");
		// Counts stay: the flower is still a replay of a counted action.
		expect((await act(p.token, "erase-fp-0002", { type: "flower" })).status).toBe(201);

		const index = shardIndexFor(p.participantId, 4);
		const rows = await runInDurableObject(env.SHARD.getByName(shardName(YEAR, index)), (_o, state) =>
			state.storage.sql
				.exec<{ fingerprint: string; type: string }>(
					"SELECT fingerprint, type FROM actions WHERE participant_id = ?",
					p.participantId,
				)
				.toArray(),
		);
		expect(rows.find((r) => r.type === "blessing")?.fingerprint).toBe("");
	});
});

describe("reports", () => {
	it("of a blessing that is not published (held or hidden) answer 404", async () => {
		const author = await newParticipant();
		const reader = await newParticipant();
		expect((await act(author.token, "report-held-0001", { type: "blessing", message: "请加微信看广告" })).status).toBe(
			201,
		);
		await flushShards();
		const held = (await queue("held")).find((b) => b.text["zh-Hans"] === "请加微信看广告");
		expect(held).toBeDefined();
		await expectProblem(await report(reader.token, held?.id as string), 404, "blessing-not-found");

		const other = await newParticipant();
		expect((await act(other.token, "report-hidden-0001", { type: "blessing", message: "天下为公" })).status).toBe(201);
		await flushShards();
		const published = (await wall()).find((b) => b.text === "天下为公");
		expect(published).toBeDefined();
		const id = published?.id as string;
		const hide = await committee(`/api/v1/admin/ceremonies/${YEAR}/blessings/${id}/hide`, { method: "POST" });
		expect(hide.status).toBe(200);
		await expectProblem(await report(reader.token, id), 404, "blessing-not-found");
	});

	it("count once per address /64 as well as once per participant", async () => {
		const author = await newParticipant();
		expect((await act(author.token, "report-64-0001", { type: "blessing", message: "四海同心" })).status).toBe(201);
		await flushShards();
		const id = (await wall()).find((b) => b.text === "四海同心")?.id as string;
		expect(id).toBeDefined();
		const readers = await Promise.all(Array.from({ length: 5 }, () => newParticipant()));
		for (const [i, r] of readers.entries()) {
			const res = await report(r.token, id, `2001:db8:aa:bb:${i}::${i + 1}`);
			expect(res.status).toBe(i === 0 ? 201 : 200);
		}
		// Another /64 counts.
		const outsider = await newParticipant();
		expect((await report(outsider.token, id, "2001:db8:aa:cc::1")).status).toBe(201);
		// IPv4 stays per address.
		const v4 = await newParticipant();
		expect((await report(v4.token, id, "198.51.100.20")).status).toBe(201);
		expect((await queue("reported")).find((b) => b.id === id)?.reports).toBe(3);
	});
});

describe("live tickets", () => {
	it("open a socket on the ceremony they were issued for, once, and on no other", async () => {
		const ticketFor = async (year: number) => {
			const res = await committee("/api/v1/admin/tickets", { method: "POST", json: { year } });
			expect(res.status).toBe(201);
			return (await res.json<{ ticket: string }>()).ticket;
		};
		const open = (year: number, ticket: string) =>
			call(`/api/v1/admin/ceremonies/${year}/live?ticket=${encodeURIComponent(ticket)}`, {
				headers: { upgrade: "websocket" },
			});
		await openCeremony(YEAR + 13);
		const ticket = await ticketFor(YEAR);
		await expectProblem(await open(YEAR + 13, ticket), 401, "unauthorized");
		const first = await open(YEAR, ticket);
		expect(first.status).toBe(101);
		first.webSocket?.accept();
		first.webSocket?.close(1000, "done");
		await expectProblem(await open(YEAR, ticket), 401, "unauthorized");
	});
});

describe("display names", () => {
	const me = `/api/v1/ceremonies/${YEAR}/participants/me`;
	const setName = (token: string, displayName: string | null) =>
		call(me, { method: "PUT", headers: { authorization: `Bearer ${token}` }, json: { displayName } });
	const names = async (state: "held" | "hidden") => {
		const res = await committee(`/api/v1/admin/ceremonies/${YEAR}/names?state=${state}`);
		expect(res.status).toBe(200);
		return (await res.json<{ items: Array<{ participantId: string; displayName: string }> }>()).items;
	};
	const certificate = async (participantId: string) =>
		(await call(`/api/v1/ceremonies/${YEAR}/certificates/${participantId}`)).text();

	it("are screened by the word list: a held name is shown as anonymous and waits in the queue", async () => {
		const p = await newParticipant();
		const set = await setName(p.token, "加微信的小王");
		expect(set.status).toBe(200);
		expect(await set.json()).toMatchObject({ displayName: "加微信的小王", displayNameState: "held" });
		expect((await act(p.token, "held-name-0001", { type: "blessing", message: "岁岁平安" })).status).toBe(201);
		await flushShards();

		const entry = (await wall()).find((b) => b.text === "岁岁平安");
		expect(entry).toMatchObject({ displayName: null });
		const svg = await certificate(p.participantId);
		expect(svg).not.toContain("加微信");
		expect(svg).toContain("华夏儿女");
		expect((await names("held")).map((n) => n.participantId)).toContain(p.participantId);

		const restored = await committee(`/api/v1/admin/ceremonies/${YEAR}/names/${p.participantId}/restore`, {
			method: "POST",
		});
		expect(restored.status).toBe(200);
		expect(await restored.json()).toMatchObject({ state: "published", displayName: "加微信的小王" });
		expect((await names("held")).map((n) => n.participantId)).not.toContain(p.participantId);
		expect((await wall()).find((b) => b.text === "岁岁平安")).toMatchObject({ displayName: "加微信的小王" });
		expect(await certificate(p.participantId)).toContain("加微信的小王");
	});

	it("leave the queue when replaced by a clean name, and can be hidden", async () => {
		const p = await newParticipant();
		expect((await setName(p.token, "看广告")).status).toBe(200);
		expect((await names("held")).map((n) => n.participantId)).toContain(p.participantId);
		const clean = await setName(p.token, "小李");
		expect(await clean.json()).toMatchObject({ displayName: "小李", displayNameState: "published" });
		expect((await names("held")).map((n) => n.participantId)).not.toContain(p.participantId);

		const q = await newParticipant();
		expect((await setName(q.token, "廣告")).status).toBe(200);
		const hidden = await committee(`/api/v1/admin/ceremonies/${YEAR}/names/${q.participantId}/hide`, {
			method: "POST",
		});
		expect(hidden.status).toBe(200);
		expect((await names("hidden")).map((n) => n.participantId)).toContain(q.participantId);
		const profile = await call(me, { headers: { authorization: `Bearer ${q.token}` } });
		expect(await profile.json()).toMatchObject({ displayNameState: "hidden" });
		await expectProblem(
			await committee(`/api/v1/admin/ceremonies/${YEAR}/names/${p.participantId}/hide`, { method: "POST" }),
			404,
			"name-not-found",
		);
	});
});

describe("the word list against disguised words", () => {
	const disguises = ["\u034F", "\uFE00", "\u{E0020}", "\u061C", "\u3164", "\u2800", "\u{E0001}", "\u200D", "\u{E0100}"];

	it("holds a blessing whose hold word is split by an invisible or blank character", async () => {
		for (const [i, mark] of disguises.entries()) {
			const p = await newParticipant();
			const message = `诚心祈福 广${mark}告 ${i}号`;
			expect((await act(p.token, `disguise-key-${i}-0000`, { type: "blessing", message })).status).toBe(201);
		}
		const p = await newParticipant();
		const upper = { type: "blessing", message: "欢迎 加\u{E0020}微\uFE0F信 ＡＢ" };
		expect((await act(p.token, "disguise-key-wechat", upper)).status).toBe(201);
		await flushShards();
		const shown = (await wall()).map((b) => b.text);
		const held = (await queue("held")).map((b) => b.text["zh-Hans"]);
		for (const i of disguises.keys()) {
			expect(shown.some((t) => t.startsWith("诚心祈福") && t.endsWith(`${i}号`))).toBe(false);
			expect(held.filter((t) => t.startsWith("诚心祈福") && t.endsWith(`${i}号`))).toHaveLength(1);
		}
		// Stored without the invisible characters: what the committee reads is what matched.
		expect(held).toContain("诚心祈福 广告 0号");
		expect(held.some((t) => t.startsWith("欢迎 加微信"))).toBe(true);
	});

	it("refuses a text that folds to nothing visible with 400", async () => {
		const p = await newParticipant();
		for (const [i, message] of ["\u2800\u2800", "\u3164", "\u{E0020}\u034F\uFE00", " \u200B\u2800 "].entries()) {
			await expectProblem(await act(p.token, `empty-fold-${i}-0000`, { type: "blessing", message }), 400, "validation");
		}
	});

	it("screens display names with the same folding, in either script", async () => {
		const p = await newParticipant();
		const res = await call(`/api/v1/ceremonies/${YEAR}/participants/me`, {
			method: "PUT",
			headers: { authorization: `Bearer ${p.token}` },
			json: { displayName: "小\u2800廣\u034F告" },
		});
		expect(res.status).toBe(200);
		expect(await res.json()).toMatchObject({ displayName: "小廣告", displayNameState: "held" });
	});
});

describe("ill-formed UTF-16", () => {
	it("is refused with 400 before its length is counted: in a blessing, a name and a report reason", async () => {
		const p = await newParticipant();
		const lone = "\uD800";
		await expectProblem(
			await act(p.token, "lone-surrogate-0001", { type: "blessing", message: `平安${lone}` }),
			400,
			"validation",
		);
		await expectProblem(
			await act(p.token, "lone-surrogate-0002", { type: "blessing", message: `${"福".repeat(199)}\uDC00` }),
			400,
			"validation",
		);
		const put = await call(`/api/v1/ceremonies/${YEAR}/participants/me`, {
			method: "PUT",
			headers: { authorization: `Bearer ${p.token}` },
			json: { displayName: `${"名".repeat(31)}${lone}` },
		});
		await expectProblem(put, 400, "validation");
		// A well-formed astral character still counts as one.
		expect((await act(p.token, "astral-ok-0001", { type: "blessing", message: "𠀀".repeat(200) })).status).toBe(201);
	});
});
