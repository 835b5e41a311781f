import { createRoute, z } from "@hono/zod-openapi";
import { sign } from "../auth/hmac";
import { ceremonyStub, loadCeremony } from "../ceremonies";
import { parseActionId } from "../domain/shard-routing";
import { addressPrefix } from "../http/address";
import { cachedData, publicResponse } from "../http/edge-cache";
import { requireParticipant } from "../http/guards";
import { subApp } from "../http/openapi";
import { Problem } from "../http/problem";
import { clientAddress, limitReports } from "../http/rate-limits";
import { BlessingPage, BlessingPageQuery, ReportInput, ReportResult } from "../schemas/blessing";
import { problemContent, YearParam } from "../schemas/common";

export const blessings = subApp();

blessings.openapi(
	createRoute({
		method: "get",
		path: "/api/v1/ceremonies/{year}/blessings",
		tags: ["blessings"],
		summary: "The published blessing wall, newest first, each in Simplified and Traditional script",
		request: { params: YearParam, query: BlessingPageQuery },
		responses: {
			200: { description: "A page of blessings", content: { "application/json": { schema: BlessingPage } } },
			304: { description: "Not modified" },
			400: problemContent("Invalid cursor or limit"),
			404: problemContent("No such ceremony"),
		},
	}),
	async (c) => {
		const { year } = c.req.valid("param");
		const { limit, cursor } = c.req.valid("query");
		const data = await cachedData(c, `${year}/blessings/${limit}/${cursor ?? ""}`, async () => {
			await loadCeremony(c.env, year);
			return ceremonyStub(c.env, year).blessings(limit, cursor);
		});
		return publicResponse(c, JSON.stringify(data), "application/json");
	},
);

export const BlessingIdParam = YearParam.extend({
	id: z
		.string()
		.refine((id) => parseActionId(id) !== null, "is not a blessing id")
		.openapi({ param: { name: "id", in: "path" }, example: "3-1042" }),
});

blessings.openapi(
	createRoute({
		method: "post",
		path: "/api/v1/ceremonies/{year}/blessings/{id}/reports",
		tags: ["blessings"],
		summary: "Report a blessing on the wall for review (counted once per participant and once per address /64 a day)",
		security: [{ participantToken: [] }],
		middleware: [requireParticipant, limitReports],
		request: {
			params: BlessingIdParam,
			body: { content: { "application/json": { schema: ReportInput } }, required: false },
		},
		responses: {
			201: { description: "Reported", content: { "application/json": { schema: ReportResult } } },
			200: {
				description: "Already reported by this participant, or from this address /64 today",
				content: { "application/json": { schema: ReportResult } },
			},
			401: problemContent("No valid participant token"),
			404: problemContent("No such blessing on the wall (held, hidden and erased ones are not)"),
		},
	}),
	async (c) => {
		const { year, id } = c.req.valid("param");
		const body = c.req.header("content-length") === "0" ? {} : await c.req.json().catch(() => ({}));
		const parsed = ReportInput.safeParse(body);
		const reason = parsed.success ? (parsed.data.reason ?? null) : null;
		await loadCeremony(c.env, year);
		// The address's /64 (IPv4: the address) counts once per blessing too, keyed by an HMAC, never stored as is.
		const addressKey = await sign(c.env.PARTICIPANT_TOKEN_SECRET, `report-address:${addressPrefix(clientAddress(c))}`);
		const outcome = await ceremonyStub(c.env, year).report(id, c.get("participantId"), addressKey, reason);
		if (outcome === "not-found") throw new Problem(404, "blessing-not-found", "No such blessing on the wall");
		return c.json({ reported: true as const }, outcome === "reported" ? 201 : 200);
	},
);
