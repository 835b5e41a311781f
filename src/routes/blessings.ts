import { createRoute, z } from "@hono/zod-openapi";
import { sign } from "../auth/hmac";
import { ceremonyAnswer, ceremonyStub, loadCeremony } from "../ceremonies";
import { parseActionId } from "../domain/shard-routing";
import { addressPrefix } from "../http/address";
import { cachedData, publicResponse } from "../http/edge-cache";
import { requireParticipant } from "../http/guards";
import { subApp } from "../http/openapi";
import { Problem } from "../http/problem";
import { clientAddress, limitReports } from "../http/rate-limits";
import { presentBlessing, presentPage } from "../present/wall";
import { bodyAnswers, busy, publicOrMediaKey, publicReadAnswers } from "../schemas/answers";
import { BlessingPage, BlessingPageQuery, ReportInput, ReportResult } from "../schemas/blessing";
import { problemContent, YearParam } from "../schemas/common";

export const blessings = subApp();

blessings.openapi(
	createRoute({
		method: "get",
		path: "/api/v1/ceremonies/{year}/blessings",
		operationId: "listBlessings",
		tags: ["blessings"],
		security: publicOrMediaKey,
		summary: "The published blessing wall, newest first, each in Simplified and Traditional script",
		description:
			"A page of the wall (the newest 10,000 published blessings). Pass a page's `nextCursor` as `cursor` for the next, older page; `nextCursor` is null on the last page. Cached for 750 ms at the edge.",
		request: { params: YearParam, query: BlessingPageQuery },
		responses: {
			200: { description: "A page of blessings", content: { "application/json": { schema: BlessingPage } } },
			304: { description: "Not modified: the `If-None-Match` ETag is current" },
			400: problemContent("`validation`: an invalid year, cursor or limit"),
			...publicReadAnswers,
			404: problemContent("`ceremony-not-found`: no ceremony for that year"),
		},
	}),
	async (c) => {
		const { year } = c.req.valid("param");
		const { limit, cursor } = c.req.valid("query");
		const data = await cachedData(c, `${year}/blessings/${limit}/${cursor ?? ""}`, async () => {
			await loadCeremony(c.env, year);
			const { page } = ceremonyAnswer(await ceremonyStub(c.env, year).blessings(year, limit, cursor));
			return presentPage(page, presentBlessing);
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
		operationId: "reportBlessing",
		tags: ["blessings"],
		summary: "Report a blessing on the wall for review (counted once per participant and once per address /64 a day)",
		description:
			"The blessing stays on the wall and joins the committee's moderation queue; a second report by the same participant changes nothing.",
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
			400: problemContent("`validation`: an invalid year or blessing id"),
			401: problemContent("`unauthorized`: no valid participant token"),
			404: problemContent(
				"`blessing-not-found` (held, hidden and erased ones are not on the wall) or `ceremony-not-found`",
			),
			...bodyAnswers,
			429: problemContent("`rate-limited`: too many reports by this participant"),
			503: busy,
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
		const participantId = c.get("participantId");
		const outcome = ceremonyAnswer(await ceremonyStub(c.env, year).report(year, id, participantId, reason, addressKey));
		if (outcome.kind === "not-found") throw new Problem(404, "blessing-not-found", "No such blessing on the wall");
		return c.json({ reported: true as const }, outcome.kind === "reported" ? 201 : 200);
	},
);
