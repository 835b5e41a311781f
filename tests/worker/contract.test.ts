import { exports } from "cloudflare:workers";
import { type Schema, Validator } from "@cfworker/json-schema";
import { describe, expect, it } from "vitest";
import {
	act,
	BASE,
	COMMITTEE,
	call,
	committee,
	expectProblem,
	flushShards,
	newParticipant,
	wallPage,
	YEAR,
} from "./helpers";

type Operation = {
	security?: Array<Record<string, string[]>>;
	responses: Record<string, { content?: Record<string, { schema?: Schema }> }>;
};
type Doc = {
	openapi: string;
	paths: Record<string, Record<string, Operation>>;
	components: { schemas: Record<string, Schema> };
};

describe("the OpenAPI document", () => {
	it("describes every endpoint, and every answer matches its documented schema", async () => {
		const doc = await (await call("/api/openapi.json")).json<Doc>();
		expect(doc.openapi).toBe("3.1.0");

		const p = await newParticipant();
		const reader = await newParticipant();
		for (const type of ["flower", "incense", "bow"])
			expect((await act(p.token, `contract-${type}-1`, { type })).status).toBe(201);
		expect((await act(p.token, "contract-blessing-1", { type: "blessing", message: "天下一家" })).status).toBe(201);
		await flushShards();
		const blessingId = (await wallPage(10)).items[0]?.id as string;

		// Every documented operation, in the order they are called; the document must list exactly these.
		const plan: Array<[string, RequestInit & { json?: unknown; query?: string }]> = [
			["get /api/v1/ceremonies/current", {}],
			["get /api/v1/ceremonies/{year}", {}],
			["post /api/v1/participants", { json: { locale: "zh-Hant" } }],
			// A name with a hold word, so that the names queue below has it to moderate.
			["put /api/v1/ceremonies/{year}/participants/me", { json: { displayName: "王五加微信" } }],
			["get /api/v1/ceremonies/{year}/participants/me", {}],
			[
				"post /api/v1/ceremonies/{year}/actions",
				{ json: { type: "flower" }, headers: { "idempotency-key": "contract-again-1" } },
			],
			["get /api/v1/ceremonies/{year}/stats", {}],
			["get /api/v1/ceremonies/{year}/stats.csv", {}],
			["get /api/v1/ceremonies/{year}/stats/regions", {}],
			["get /api/v1/ceremonies/{year}/stats/regions.csv", {}],
			["get /api/v1/ceremonies/{year}/stats/timeseries", { query: "?interval=1h" }],
			["get /api/v1/ceremonies/{year}/stats/timeseries.csv", { query: "?interval=1h" }],
			["get /api/v1/ceremonies/{year}/blessings", { query: "?limit=5" }],
			["post /api/v1/ceremonies/{year}/blessings/{id}/reports", { json: { reason: "test" } }],
			["get /api/v1/ceremonies/{year}/certificates/{participantId}", { query: "?lang=en" }],
			["get /api/v1/admin/whoami", {}],
			["post /api/v1/admin/tickets", { json: { year: YEAR } }],
			["get /api/v1/admin/ceremonies/{year}/live", { headers: { upgrade: "websocket" } }],
			["get /api/v1/admin/ceremonies/{year}/live", {}],
			["get /api/v1/admin/ceremonies/{year}/blessings", { query: "?state=reported" }],
			["post /api/v1/admin/ceremonies/{year}/blessings/{id}/hide", {}],
			["post /api/v1/admin/ceremonies/{year}/blessings/{id}/restore", {}],
			["get /api/v1/admin/ceremonies/{year}/names", { query: "?state=held" }],
			["post /api/v1/admin/ceremonies/{year}/names/{participantId}/hide", {}],
			["post /api/v1/admin/ceremonies/{year}/names/{participantId}/restore", {}],
			["put /api/v1/admin/ceremonies/{year}", { json: { liveStreamUrl: "https://live.example.org/2027" } }],
			["get /api/v1/admin/ceremonies/{year}/audit", {}],
			["delete /api/v1/ceremonies/{year}/participants/me", {}],
			["post /api/v1/admin/ceremonies/{year}/close", {}],
		];
		const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
		expect([...new Set(plan.map(([key]) => key))].sort()).toEqual(documented.sort());

		for (const [key, init] of plan) {
			const [method, template] = key.split(" ") as [string, string];
			const operation = doc.paths[template]?.[method] as Operation;
			const path = template
				.replace("{year}", String(YEAR))
				.replace("{participantId}", p.participantId)
				.replace("{id}", blessingId);
			const scheme = Object.keys(operation.security?.[0] ?? {})[0];
			const token =
				scheme === "committeeToken"
					? COMMITTEE
					: scheme === "participantToken"
						? key.includes("reports") || key.includes("actions")
							? reader.token
							: p.token
						: null;
			const headers = {
				...(token ? { authorization: `Bearer ${token}` } : {}),
				...(init.headers as Record<string, string>),
			};
			const res = await (init.json === undefined
				? exports.default.fetch(`${BASE}${path}${init.query ?? ""}`, { method: method.toUpperCase(), headers })
				: call(`${path}${init.query ?? ""}`, { method: method.toUpperCase(), headers, json: init.json }));

			const documentedAnswer = operation.responses[String(res.status)];
			expect(documentedAnswer, `${key} answered ${res.status}, which is not documented`).toBeDefined();
			expect(res.status, `${key} should succeed`).toBeLessThan(400);
			const contentType = (res.headers.get("content-type") ?? "").split(";")[0] as string;
			let body: unknown;
			let schema: Schema | undefined;
			if (res.status === 101) {
				const ws = res.webSocket as WebSocket;
				ws.accept();
				body = await new Promise((resolve) =>
					ws.addEventListener("message", (e) => resolve(JSON.parse(e.data as string)), { once: true }),
				);
				ws.close();
				schema = documentedAnswer?.content?.["application/json"]?.schema;
			} else if (res.status === 204) {
				continue;
			} else {
				expect(Object.keys(documentedAnswer?.content ?? {}), `${key} answered ${contentType}`).toContain(contentType);
				schema = documentedAnswer?.content?.[contentType]?.schema;
				const text = await res.text();
				body = contentType.includes("json") ? JSON.parse(text) : text;
			}
			const result = new Validator(
				{ ...(schema as object), components: doc.components } as Schema,
				"2020-12",
				false,
			).validate(body);
			expect(result.valid, `${key}: ${JSON.stringify(result.errors.slice(0, 3))}`).toBe(true);
		}
	});

	it("documents the problem types of failures, and failures match the Problem schema", async () => {
		const doc = await (await call("/api/openapi.json")).json<Doc>();
		const problem = doc.components.schemas.Problem as Schema;
		const res = await call(`/api/v1/ceremonies/${YEAR}/actions`, { method: "POST", json: { type: "flower" } });
		expect(res.status).toBe(401);
		const result = new Validator({ ...(problem as object), components: doc.components } as Schema, "2020-12").validate(
			await res.json(),
		);
		expect(result.valid).toBe(true);
		// And the check can fail: an empty object is no Stats.
		const stats = new Validator(
			{ ...(doc.components.schemas.Stats as object), components: doc.components } as Schema,
			"2020-12",
		);
		expect(stats.validate({}).valid).toBe(false);
	});
});

describe("the answers that middleware and validation give", () => {
	const operationsOf = (doc: Doc) =>
		Object.entries(doc.paths).flatMap(([path, ops]) =>
			Object.entries(ops).map(([method, operation]) => ({ method, path, operation })),
		);
	const validate = (doc: Doc, schema: Schema | undefined, body: unknown) =>
		new Validator({ ...(schema as object), components: doc.components } as Schema, "2020-12", false).validate(body);

	it("documents 401 for an unknown media key on every public read, as a problem", async () => {
		const doc = await (await call("/api/openapi.json")).json<Doc>();
		const p = await newParticipant();
		const reads = operationsOf(doc).filter(
			({ method, path }) => method === "get" && path.startsWith("/api/v1/ceremonies/"),
		);
		expect(reads.length).toBeGreaterThanOrEqual(10);
		for (const { path, operation } of reads) {
			const url = path.replace("{year}", String(YEAR)).replace("{participantId}", p.participantId);
			const res = await exports.default.fetch(`${BASE}${url}`, { headers: { "x-api-key": "not-a-media-key" } });
			expect(res.status, path).toBe(401);
			const answer = operation.responses["401"];
			expect(answer, `${path}: 401 undocumented`).toBeDefined();
			const result = validate(doc, answer?.content?.["application/problem+json"]?.schema, await res.json());
			expect(result.valid, path).toBe(true);
		}
	});

	it("documents 400 for an invalid year on every operation that takes one", async () => {
		const doc = await (await call("/api/openapi.json")).json<Doc>();
		const p = await newParticipant();
		const withYear = operationsOf(doc).filter(({ path }) => path.includes("{year}"));
		expect(withYear.length).toBeGreaterThanOrEqual(15);
		for (const { method, path, operation } of withYear) {
			const scheme = Object.keys(operation.security?.[0] ?? {})[0];
			const token = scheme === "committeeToken" ? COMMITTEE : scheme === "participantToken" ? p.token : null;
			const url = path.replace("{year}", "1900").replace("{participantId}", p.participantId).replace("{id}", "3-1042");
			const res = await call(url, {
				method: method.toUpperCase(),
				headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), "idempotency-key": "contract-bad-year" },
				...(method === "get" || method === "delete" ? {} : { json: {} }),
			});
			expect(res.status, `${method} ${path}`).toBe(400);
			const answer = operation.responses["400"];
			expect(answer, `${method} ${path}: 400 undocumented`).toBeDefined();
			const body = await res.json<{ type: string }>();
			expect(body.type, `${method} ${path}`).toBe("/problems/validation");
			expect(validate(doc, answer?.content?.["application/problem+json"]?.schema, body).valid).toBe(true);
		}
	});

	it("names and describes every operation, under tags the document describes", async () => {
		const doc = await (await call("/api/openapi.json")).json<
			Doc & { tags: Array<{ name: string; description: string }>; servers: Array<{ url: string }> }
		>();
		expect(doc.servers).toEqual([{ url: BASE, description: "This service" }]);
		const tags = new Set(doc.tags.filter((t) => t.description).map((t) => t.name));
		const ids = new Set<string>();
		for (const { method, path, operation } of operationsOf(doc)) {
			const op = operation as Operation & { operationId?: string; description?: string; tags?: string[] };
			expect(op.operationId, `${method} ${path}`).toMatch(/^[a-z][A-Za-z]+$/);
			expect(ids.has(op.operationId as string), `${op.operationId} twice`).toBe(false);
			ids.add(op.operationId as string);
			expect(op.description?.length, `${method} ${path}`).toBeGreaterThan(20);
			for (const tag of op.tags ?? []) expect(tags.has(tag), `${path}: tag ${tag}`).toBe(true);
		}
	});
});

describe("CSV", () => {
	it("has operations of its own that answer what the JSON operations' conveniences answer", async () => {
		const base = `/api/v1/ceremonies/${YEAR}/stats`;
		for (const [csvPath, jsonPath] of [
			[`${base}.csv`, base],
			[`${base}/regions.csv`, `${base}/regions`],
			[`${base}/timeseries.csv?interval=1h`, `${base}/timeseries?interval=1h`],
		] as const) {
			const csv = await call(csvPath);
			expect(csv.status).toBe(200);
			expect(csv.headers.get("content-type")).toBe("text/csv; charset=utf-8; header=present");
			const text = await csv.text();
			expect(text.split("\r\n")[0]).toMatch(/^(year|region|at),/);
			const separator = jsonPath.includes("?") ? "&" : "?";
			expect(await (await call(`${jsonPath}${separator}format=csv`)).text()).toBe(text);
			const accepted = await call(jsonPath, { headers: { accept: "text/csv" } });
			expect(await accepted.text()).toBe(text);
			const json = await call(jsonPath);
			expect(json.headers.get("content-type")).toBe("application/json");
		}
	});

	it("refuses a format other than json or csv with a validation problem", async () => {
		const res = await call(`/api/v1/ceremonies/${YEAR}/stats?format=xml`);
		expect(res.status).toBe(400);
		expect(await res.json()).toMatchObject({ type: "/problems/validation", errors: [{ path: "format" }] });
	});
});

describe("the live URL without an upgrade", () => {
	it("answers the live totals once, to a committee member, and spends a ticket used for it", async () => {
		const live = `/api/v1/admin/ceremonies/${YEAR}/live`;
		await expectProblem(await call(live), 401, "unauthorized");

		const totals = await committee(live);
		expect(totals.status).toBe(200);
		expect(await totals.json()).toMatchObject({ type: "totals", stats: { year: YEAR } });

		const { ticket } = await (await committee("/api/v1/admin/tickets", { method: "POST", json: { year: YEAR } })).json<{
			ticket: string;
		}>();
		const withTicket = `${live}?ticket=${encodeURIComponent(ticket)}`;
		expect((await call(withTicket)).status).toBe(200);
		await expectProblem(await call(withTicket), 401, "unauthorized");
	});
});
