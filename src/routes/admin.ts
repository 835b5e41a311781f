import { createRoute, z } from "@hono/zod-openapi";
import {
	ceremonyAnswer,
	ceremonyDefaults,
	ceremonyNotFound,
	ceremonyStub,
	forgetCeremony,
	loadCeremony,
} from "../ceremonies";
import { presentCeremony } from "../domain/ceremony";
import { requireCommittee } from "../http/guards";
import { subApp } from "../http/openapi";
import { Problem } from "../http/problem";
import { presentAudit } from "../present/audit";
import { presentStats } from "../present/figures";
import { bodyAnswers, busy, invalidYear } from "../schemas/answers";
import { Audit } from "../schemas/audit";
import { Ceremony, CeremonyInput } from "../schemas/ceremony";
import { problemContent, YearParam } from "../schemas/common";
import { Stats } from "../schemas/stats";

export const admin = subApp();

const committee = { tags: ["committee"], security: [{ committeeToken: [] }], middleware: [requireCommittee] };

admin.openapi(
	createRoute({
		...committee,
		method: "get",
		path: "/api/v1/admin/whoami",
		operationId: "whoami",
		summary: "The committee member a token belongs to",
		description:
			"The member's name from COMMITTEE_TOKENS, to check a token; every committee step is recorded under it.",
		responses: {
			200: { description: "The member", content: { "application/json": { schema: z.object({ name: z.string() }) } } },
			401: problemContent("`unauthorized`: no committee token"),
		},
	}),
	(c) => c.json({ name: c.get("member").name }, 200, { "cache-control": "no-store" }),
);

admin.openapi(
	createRoute({
		...committee,
		method: "put",
		path: "/api/v1/admin/ceremonies/{year}",
		operationId: "configureCeremony",
		summary: "Create or change a ceremony (its shard count only before it opens)",
		description: "Anything left out keeps its value (or the default, for a new ceremony).",
		request: {
			params: YearParam,
			body: { content: { "application/json": { schema: CeremonyInput } }, required: true },
		},
		responses: {
			200: { description: "Changed", content: { "application/json": { schema: Ceremony } } },
			201: { description: "Created", content: { "application/json": { schema: Ceremony } } },
			400: problemContent("`validation` or `malformed-request`: an invalid year or configuration"),
			401: problemContent("`unauthorized`: no committee token"),
			409: problemContent("`shard-count-fixed` (the ceremony has opened) or `ceremony-closed`"),
			...bodyAnswers,
			503: busy,
		},
	}),
	async (c) => {
		const { year } = c.req.valid("param");
		const input = c.req.valid("json");
		const outcome = ceremonyAnswer(await ceremonyStub(c.env, year).configure(year, input, ceremonyDefaults(c.env)));
		forgetCeremony(year);
		if (outcome.kind === "shard-count-fixed") {
			throw new Problem(
				409,
				"shard-count-fixed",
				"The shard count can no longer change",
				"It is fixed once the ceremony opens.",
				{
					shardCount: outcome.config.shardCount,
				},
			);
		}
		if (outcome.kind === "closed")
			throw new Problem(409, "ceremony-closed", "The ceremony is closed", "Its totals are final.");
		console.log(`ceremony ${year} configured by ${c.get("member").name}`);
		return c.json(presentCeremony(outcome.config, Date.now()), outcome.created ? 201 : 200);
	},
);

admin.openapi(
	createRoute({
		...committee,
		method: "post",
		path: "/api/v1/admin/ceremonies/{year}/close",
		operationId: "closeCeremony",
		summary: "Close the ceremony: seal every shard, take final snapshots, freeze the totals",
		description: "After this no action is counted and the totals are final; closing again gives the same totals.",
		request: { params: YearParam },
		responses: {
			200: { description: "Closed; the final totals", content: { "application/json": { schema: Stats } } },
			400: invalidYear,
			401: problemContent("`unauthorized`: no committee token"),
			404: problemContent("`ceremony-not-found`: no ceremony for that year"),
			...bodyAnswers,
			503: busy,
		},
	}),
	async (c) => {
		const { year } = c.req.valid("param");
		await loadCeremony(c.env, year);
		const outcome = ceremonyAnswer(await ceremonyStub(c.env, year).close(year));
		forgetCeremony(year);
		if (outcome.kind === "not-found") throw new Problem(404, "ceremony-not-found", "No such ceremony");
		console.log(`ceremony ${year} closed by ${c.get("member").name}`);
		return c.json(presentStats(year, outcome.figures), 200);
	},
);

admin.openapi(
	createRoute({
		...committee,
		method: "get",
		path: "/api/v1/admin/ceremonies/{year}/audit",
		operationId: "auditCeremony",
		summary: "Recount every shard's action log against its counters and the totals",
		description:
			"Reads every shard's durable action log and compares the recount with its counters, region and minute tallies, and the totals readers see.",
		request: { params: YearParam },
		responses: {
			200: { description: "The audit", content: { "application/json": { schema: Audit } } },
			400: invalidYear,
			401: problemContent("`unauthorized`: no committee token"),
			404: problemContent("`ceremony-not-found`: no ceremony for that year"),
			503: busy,
		},
	}),
	async (c) => {
		const { year } = c.req.valid("param");
		await loadCeremony(c.env, year);
		const outcome = ceremonyAnswer(await ceremonyStub(c.env, year).audit(year));
		if (outcome.kind === "not-found") throw ceremonyNotFound(year);
		return c.json(presentAudit(year, outcome.audit), 200, { "cache-control": "no-store" });
	},
);
