import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { app } from "../../src/app";
import { issueParticipantToken, verifyParticipantToken } from "../../src/auth/participant-token";
import { BASE, call, newParticipant, YEAR } from "./helpers";

// Actions are answered ahead of the app (src/routes/action-fast-path.ts). Whatever a request is,
// the answer must be the one the app gives: the same status, body and headers.

type Send = (request: Request) => Promise<Response>;
const throughWorker: Send = (request) => exports.default.fetch(request);
const throughApp: Send = async (request) => {
	const ctx = createExecutionContext();
	const res = await app.fetch(request, env, ctx);
	await waitOnExecutionContext(ctx);
	return res;
};

interface Answer {
	status: number;
	body: string;
	headers: Array<[string, string]>;
}

async function answer(send: Send, request: Request): Promise<Answer> {
	const res = await send(request);
	const headers = [...res.headers.entries()].filter(([name]) => name !== "date").sort(([a], [b]) => a.localeCompare(b));
	return { status: res.status, body: await res.text(), headers };
}

function actionRequest(
	path: string,
	{ token, key, body, headers = {} }: { token?: string; key?: string; body: string; headers?: Record<string, string> },
) {
	return () =>
		new Request(`${BASE}${path}`, {
			method: "POST",
			headers: {
				"content-type": "application/json",
				...(token ? { authorization: `Bearer ${token}` } : {}),
				...(key ? { "idempotency-key": key } : {}),
				...headers,
			},
			body,
		});
}

describe("the action route ahead of the app", async () => {
	const p = await newParticipant();
	const other = await newParticipant();
	const path = `/api/v1/ceremonies/${YEAR}/actions`;

	it("answers a new action as the app answers its replay, and a replay as the app answered it first", async () => {
		const flower = actionRequest(path, { token: p.token, key: "fast-flower-1", body: '{"type":"flower"}' });
		const first = await answer(throughWorker, flower());
		expect(first.status).toBe(201);
		expect(await answer(throughApp, flower())).toEqual(first);

		const blessing = actionRequest(path, {
			token: other.token,
			key: "fast-blessing-1",
			body: '{"type":"blessing","message":"风调雨顺"}',
		});
		const fromApp = await answer(throughApp, blessing());
		expect(fromApp.status).toBe(201);
		expect(await answer(throughWorker, blessing())).toEqual(fromApp);
		const names = fromApp.headers.map(([name]) => name);
		expect(names).toEqual(
			expect.arrayContaining(["content-security-policy", "x-content-type-options", "cache-control"]),
		);
		// A browser on another origin cannot send an action (its preflight allows only the reads), so
		// the answer carries no CORS headers.
		expect(names.filter((name) => name.startsWith("access-control-"))).toEqual([]);
		const preflight = await call(path, {
			method: "OPTIONS",
			headers: {
				origin: "https://news.example",
				"access-control-request-method": "POST",
				"access-control-request-headers": "authorization,content-type,idempotency-key",
			},
		});
		expect(preflight.status).toBe(204);
		expect(preflight.headers.get("access-control-allow-methods")).toBe("GET,HEAD,OPTIONS");
	});

	const refusals: Array<[string, () => Request, number]> = [
		["no Idempotency-Key", actionRequest(path, { token: "", body: '{"type":"flower"}' }), 401],
		["a missing Idempotency-Key", actionRequest(path, { token: p.token, body: '{"type":"flower"}' }), 400],
		["a short Idempotency-Key", actionRequest(path, { token: p.token, key: "k", body: '{"type":"flower"}' }), 400],
		["bad JSON", actionRequest(path, { token: p.token, key: "fast-bad-json", body: "{type:" }), 400],
		["an unknown type", actionRequest(path, { token: p.token, key: "fast-bad-type", body: '{"type":"gift"}' }), 400],
		[
			"a blessing without its message",
			actionRequest(path, { token: p.token, key: "fast-no-message", body: '{"type":"blessing"}' }),
			400,
		],
		[
			"an extra property",
			actionRequest(path, { token: p.token, key: "fast-extra", body: '{"type":"bow","x":1}' }),
			400,
		],
		[
			"a forged token",
			actionRequest(path, {
				token: `${p.participantId}.${"A".repeat(43)}`,
				key: "fast-forged",
				body: '{"type":"bow"}',
			}),
			401,
		],
		[
			"another content type",
			actionRequest(path, {
				token: p.token,
				key: "fast-text",
				body: '{"type":"bow"}',
				headers: { "content-type": "text/plain" },
			}),
			415,
		],
		[
			"a body over the limit",
			actionRequest(path, {
				token: p.token,
				key: "fast-large",
				body: `{"type":"blessing","message":"${"福".repeat(4000)}"}`,
			}),
			413,
		],
		[
			"a year out of range",
			actionRequest("/api/v1/ceremonies/1999/actions", { token: p.token, key: "fast-1999", body: '{"type":"bow"}' }),
			400,
		],
		[
			"a year without a ceremony",
			actionRequest("/api/v1/ceremonies/2090/actions", { token: p.token, key: "fast-2090", body: '{"type":"bow"}' }),
			404,
		],
		[
			"a year that is not a number",
			actionRequest("/api/v1/ceremonies/abcd/actions", { token: p.token, key: "fast-abcd", body: '{"type":"bow"}' }),
			400,
		],
	];
	for (const [name, request, status] of refusals) {
		it(`refuses ${name} as the app does (${status})`, async () => {
			const fromWorker = await answer(throughWorker, request());
			expect(fromWorker.status).toBe(status);
			expect(fromWorker.headers).toContainEqual(["content-type", "application/problem+json; charset=utf-8"]);
			expect(await answer(throughApp, request())).toEqual(fromWorker);
		});
	}

	it("refuses a key reused with another body as the app does (422)", async () => {
		// A participant of its own: the cases above used up the first one's burst limit.
		const q = await newParticipant();
		const key = "fast-reused-1";
		const first = actionRequest(path, { token: q.token, key, body: '{"type":"incense"}' });
		expect((await answer(throughWorker, first())).status).toBe(201);
		const reused = actionRequest(path, { token: q.token, key, body: '{"type":"bow"}' });
		const fromWorker = await answer(throughWorker, reused());
		expect(fromWorker.status).toBe(422);
		expect(await answer(throughApp, reused())).toEqual(fromWorker);
	});

	it("refuses a burst over the rate limit as the app does (429)", async () => {
		const r = await newParticipant();
		let last: Answer | null = null;
		for (let i = 0; i < 40 && last?.status !== 429; i++) {
			const send = actionRequest(path, { token: r.token, key: `fast-burst-${i}`, body: '{"type":"flower"}' });
			last = await answer(throughWorker, send());
		}
		expect(last?.status).toBe(429);
		const next = actionRequest(path, { token: r.token, key: "fast-burst-next", body: '{"type":"flower"}' });
		const fromWorker = await answer(throughWorker, next());
		expect(fromWorker).toEqual(last);
		expect(await answer(throughApp, next())).toEqual(fromWorker);
	});
});

describe("verified tokens", () => {
	it("are known only under the secret that verified them", async () => {
		const token = await issueParticipantToken("C".repeat(22), "first-secret-of-the-test");
		expect(await verifyParticipantToken(token, "first-secret-of-the-test")).toBe("C".repeat(22));
		expect(await verifyParticipantToken(token, "first-secret-of-the-test")).toBe("C".repeat(22));
		expect(await verifyParticipantToken(token, "another-secret-of-the-test")).toBeNull();
		// Rotation keeps the old key as a verifier: the token is good again, and then only there.
		expect(await verifyParticipantToken(token, "another-secret-of-the-test first-secret-of-the-test")).toBe(
			"C".repeat(22),
		);
		expect(await verifyParticipantToken(token, "another-secret-of-the-test")).toBeNull();
	});
});
