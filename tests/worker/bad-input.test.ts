import { describe, expect, it } from "vitest";
import { act, audit, call, committee, expectProblem, flushShards, newParticipant, stats, YEAR } from "./helpers";

const actions = `/api/v1/ceremonies/${YEAR}/actions`;

describe("bad input", async () => {
	const p = await newParticipant();
	const auth = { authorization: `Bearer ${p.token}` };

	const cases: Array<[string, () => Promise<Response>, number, string]> = [
		[
			"no token",
			() => call(actions, { method: "POST", headers: { "idempotency-key": "k-no-token-1" }, json: { type: "flower" } }),
			401,
			"unauthorized",
		],
		[
			"a forged token",
			() => act(`${p.participantId}.${"A".repeat(43)}`, "k-forged-1", { type: "flower" }),
			401,
			"unauthorized",
		],
		[
			"a token for another id",
			() => act(`${"B".repeat(22)}.${p.token.split(".")[1]}`, "k-other-1", { type: "flower" }),
			401,
			"unauthorized",
		],
		["a malformed token", () => act("not a token", "k-malformed", { type: "flower" }), 401, "unauthorized"],
		["a missing Idempotency-Key", () => act(p.token, null, { type: "flower" }), 400, "validation"],
		["a short Idempotency-Key", () => act(p.token, "k", { type: "flower" }), 400, "validation"],
		[
			"bad JSON",
			() =>
				call(actions, {
					method: "POST",
					headers: { ...auth, "idempotency-key": "k-bad-json", "content-type": "application/json" },
					body: "{type:",
				}),
			400,
			"malformed-request",
		],
		["an unknown type", () => act(p.token, "k-unknown-type", { type: "fireworks" }), 400, "validation"],
		["a message on a flower", () => act(p.token, "k-msg-flower", { type: "flower", message: "hi" }), 400, "validation"],
		["a blessing without a message", () => act(p.token, "k-bless-empty", { type: "blessing" }), 400, "validation"],
		[
			"a blessing of only spaces and zero-width characters",
			() => act(p.token, "k-bless-blank", { type: "blessing", message: " \u200b\u200b  " }),
			400,
			"validation",
		],
		[
			"an oversized message",
			() => act(p.token, "k-bless-long", { type: "blessing", message: "福".repeat(201) }),
			400,
			"validation",
		],
		["an unknown field", () => act(p.token, "k-extra-field", { type: "flower", count: 1000 }), 400, "validation"],
		[
			"an oversized body",
			() => act(p.token, "k-huge-body", { type: "blessing", message: "x".repeat(20_000) }),
			413,
			"body-too-large",
		],
		[
			"the wrong content type",
			() =>
				call(actions, {
					method: "POST",
					headers: { ...auth, "idempotency-key": "k-form", "content-type": "text/plain" },
					body: '{"type":"flower"}',
				}),
			415,
			"unsupported-media-type",
		],
		[
			"an unknown year",
			() =>
				call(`/api/v1/ceremonies/2031/actions`, {
					method: "POST",
					headers: { ...auth, "idempotency-key": "k-unknown-year" },
					json: { type: "flower" },
				}),
			404,
			"ceremony-not-found",
		],
		[
			"a year out of range",
			() =>
				call(`/api/v1/ceremonies/1999/actions`, {
					method: "POST",
					headers: { ...auth, "idempotency-key": "k-bad-year" },
					json: { type: "flower" },
				}),
			400,
			"validation",
		],
		[
			"a bad region",
			() =>
				call(`/api/v1/ceremonies/${YEAR}/participants/me`, { method: "PUT", headers: auth, json: { region: "ZZ" } }),
			400,
			"validation",
		],
		[
			"a lower-case region",
			() =>
				call(`/api/v1/ceremonies/${YEAR}/participants/me`, { method: "PUT", headers: auth, json: { region: "cn" } }),
			400,
			"validation",
		],
		[
			"a display name too long",
			() =>
				call(`/api/v1/ceremonies/${YEAR}/participants/me`, {
					method: "PUT",
					headers: auth,
					json: { displayName: "名".repeat(33) },
				}),
			400,
			"validation",
		],
		["an unknown path", () => call("/api/v1/nothing-here"), 404, "not-found"],
		["a bad certificate id", () => call(`/api/v1/ceremonies/${YEAR}/certificates/<script>`), 400, "validation"],
		["a committee call without a token", () => call(`/api/v1/admin/ceremonies/${YEAR}/audit`), 401, "unauthorized"],
		[
			"a committee call with a participant's token",
			() => call(`/api/v1/admin/ceremonies/${YEAR}/audit`, { headers: auth }),
			401,
			"unauthorized",
		],
		[
			"a bad ceremony configuration",
			() =>
				committee(`/api/v1/admin/ceremonies/${YEAR}`, {
					method: "PUT",
					json: { shardCount: 0, window: { opensAt: "soon" } },
				}),
			400,
			"validation",
		],
		[
			"a bad time-series range",
			() => call(`/api/v1/ceremonies/${YEAR}/stats/timeseries?interval=5m`),
			400,
			"validation",
		],
		[
			"a bad wall cursor",
			() => call(`/api/v1/ceremonies/${YEAR}/blessings?cursor=%27%20OR%201%3D1`),
			400,
			"validation",
		],
	];

	it.each(cases)("%s gets a problem and changes no counter", async (_name, send, status, type) => {
		await flushShards();
		const before = await stats();
		const body = await expectProblem(await send(), status, type);
		expect(body.title.length).toBeGreaterThan(0);
		await flushShards();
		expect(await stats()).toEqual(before);
	});

	it("lists every invalid field of a validation problem", async () => {
		const body = (await expectProblem(
			await act(p.token, "k-many-errors", { type: "fireworks", message: 5 }),
			400,
		)) as unknown as {
			errors: Array<{ path: string }>;
		};
		expect(body.errors.map((e) => e.path).sort()).toEqual(["message", "type"]);
	});

	it("refuses a key reused with another body (422) and replays the first answer for the same body", async () => {
		const first = await act(p.token, "k-reuse-0001", { type: "incense" });
		expect(first.status).toBe(201);
		await expectProblem(await act(p.token, "k-reuse-0001", { type: "bow" }), 422, "idempotency-key-reused");
		const again = await act(p.token, "k-reuse-0001", { type: "incense" });
		expect(again.status).toBe(201);
		expect(await again.json()).toEqual(await first.json());
	});

	it("fixes the region at the first counted action", async () => {
		const q = await newParticipant();
		const me = `/api/v1/ceremonies/${YEAR}/participants/me`;
		const headers = { authorization: `Bearer ${q.token}` };
		expect(
			(await call(me, { method: "PUT", headers, json: { region: "FR", displayName: "  Zhang\u200b  San " } })).status,
		).toBe(200);
		expect((await call(me, { method: "PUT", headers, json: { region: "DE" } })).status).toBe(200);
		expect((await act(q.token, "k-region-flower", { type: "flower" })).status).toBe(201);
		await expectProblem(await call(me, { method: "PUT", headers, json: { region: "IT" } }), 409, "region-fixed");
		const profile = await (await call(me, { headers })).json<{
			region: string;
			displayName: string;
			regionFixed: boolean;
		}>();
		expect(profile).toMatchObject({ region: "DE", displayName: "Zhang San", regionFixed: true });
	});

	it("refuses actions outside the window (403) and a shard-count change once open (409)", async () => {
		const future = YEAR + 1;
		const opensAt = new Date(Date.now() + 86_400_000).toISOString();
		const closesAt = new Date(Date.now() + 2 * 86_400_000).toISOString();
		const created = await committee(`/api/v1/admin/ceremonies/${future}`, {
			method: "PUT",
			json: { window: { opensAt, closesAt }, shardCount: 2 },
		});
		expect(created.status).toBe(201);
		expect(
			(await committee(`/api/v1/admin/ceremonies/${future}`, { method: "PUT", json: { shardCount: 3 } })).status,
		).toBe(200);
		const res = await call(`/api/v1/ceremonies/${future}/actions`, {
			method: "POST",
			headers: { ...auth, "idempotency-key": "k-future-1" },
			json: { type: "flower" },
		});
		await expectProblem(res, 403, "outside-window");
		await expectProblem(
			await committee(`/api/v1/admin/ceremonies/${YEAR}`, { method: "PUT", json: { shardCount: 9 } }),
			409,
			"shard-count-fixed",
		);
		expect((await audit()).match).toBe(true);
	});
});
