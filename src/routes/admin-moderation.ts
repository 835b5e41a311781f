import { createRoute, z } from "@hono/zod-openapi";
import { ceremonyAnswer, ceremonyStub, loadCeremony } from "../ceremonies";
import { requireCommittee } from "../http/guards";
import { subApp } from "../http/openapi";
import { Problem } from "../http/problem";
import { presentModerated, presentName, presentPage } from "../present/wall";
import { bodyAnswers, busy } from "../schemas/answers";
import { BlessingPageQuery } from "../schemas/blessing";
import { problemContent, YearParam } from "../schemas/common";
import { ModeratedBlessing, ModerationPage, NamePage, NameUnderReview, QueueState } from "../schemas/moderation";
import { ParticipantIdParam } from "../schemas/participant";
import { BlessingIdParam } from "./blessings";

export const adminModeration = subApp();

const committee = { tags: ["committee"], security: [{ committeeToken: [] }], middleware: [requireCommittee] };

adminModeration.openapi(
	createRoute({
		...committee,
		method: "get",
		path: "/api/v1/admin/ceremonies/{year}/blessings",
		operationId: "listModerationQueue",
		summary: "The moderation queue: held, reported (still published) or hidden blessings, newest first",
		description: "Pages like the wall: pass `nextCursor` as `cursor` for the next, older page.",
		request: {
			params: YearParam,
			query: BlessingPageQuery.extend({ state: QueueState.default("held") }),
		},
		responses: {
			200: {
				description: "A page of the queue",
				content: {
					"application/json": {
						schema: ModerationPage,
					},
				},
			},
			400: problemContent("`validation`: an invalid year, state, cursor or limit"),
			401: problemContent("`unauthorized`: no committee token"),
			404: problemContent("`ceremony-not-found`: no ceremony for that year"),
			503: busy,
		},
	}),
	async (c) => {
		const { year } = c.req.valid("param");
		const { state, limit, cursor } = c.req.valid("query");
		await loadCeremony(c.env, year);
		const { page } = ceremonyAnswer(await ceremonyStub(c.env, year).moderationQueue(year, state, limit, cursor));
		return c.json(presentPage(page, presentModerated), 200, { "cache-control": "no-store" });
	},
);

for (const action of ["hide", "restore"] as const) {
	adminModeration.openapi(
		createRoute({
			...committee,
			method: "post",
			path: `/api/v1/admin/ceremonies/{year}/blessings/{id}/${action}`,
			operationId: action === "hide" ? "hideBlessing" : "restoreBlessing",
			description:
				"Written to the blessing's shard log first (so the published count and the audit follow), then to the wall, with the member's name and the time.",
			summary:
				action === "hide"
					? "Hide a blessing from the wall (recorded with the member's name)"
					: "Restore a hidden blessing, or publish a held one (recorded with the member's name)",
			request: { params: BlessingIdParam },
			responses: {
				200: {
					description: "The blessing as it is now",
					content: { "application/json": { schema: ModeratedBlessing } },
				},
				400: problemContent("`validation`: an invalid year or blessing id"),
				401: problemContent("`unauthorized`: no committee token"),
				404: problemContent("`blessing-not-found` or `ceremony-not-found`"),
				...bodyAnswers,
				503: busy,
			},
		}),
		async (c) => {
			const { year, id } = c.req.valid("param");
			await loadCeremony(c.env, year);
			const outcome = ceremonyAnswer(await ceremonyStub(c.env, year).moderate(year, id, action, c.get("member").name));
			if (outcome.kind === "not-found") throw new Problem(404, "blessing-not-found", "No such blessing");
			return c.json(presentModerated(outcome.entry), 200);
		},
	);
}

adminModeration.openapi(
	createRoute({
		...committee,
		method: "get",
		path: "/api/v1/admin/ceremonies/{year}/names",
		operationId: "listNamesUnderReview",
		summary: "Display names under review: held by the word list, or hidden; newest first",
		description: "Pages like the wall: pass `nextCursor` as `cursor` for the next, older page.",
		request: {
			params: YearParam,
			query: BlessingPageQuery.extend({ state: z.enum(["held", "hidden"]).default("held") }),
		},
		responses: {
			200: {
				description: "A page of the names under review",
				content: {
					"application/json": {
						schema: NamePage,
					},
				},
			},
			400: problemContent("`validation`: an invalid year, state, cursor or limit"),
			401: problemContent("`unauthorized`: no committee token"),
			404: problemContent("`ceremony-not-found`: no ceremony for that year"),
			503: busy,
		},
	}),
	async (c) => {
		const { year } = c.req.valid("param");
		const { state, limit, cursor } = c.req.valid("query");
		await loadCeremony(c.env, year);
		const { page } = ceremonyAnswer(await ceremonyStub(c.env, year).nameQueue(year, state, limit, cursor));
		return c.json(presentPage(page, presentName), 200, { "cache-control": "no-store" });
	},
);

for (const action of ["hide", "restore"] as const) {
	adminModeration.openapi(
		createRoute({
			...committee,
			method: "post",
			path: `/api/v1/admin/ceremonies/{year}/names/{participantId}/${action}`,
			operationId: action === "hide" ? "hideName" : "publishName",
			description:
				"The participant's display name is shown with their blessings and on their certificate only once published; recorded with the member's name and the time.",
			summary:
				action === "hide"
					? "Keep a display name hidden (recorded with the member's name)"
					: "Publish a held or hidden display name (recorded with the member's name)",
			request: { params: YearParam.merge(ParticipantIdParam) },
			responses: {
				200: { description: "The name as it is now", content: { "application/json": { schema: NameUnderReview } } },
				400: problemContent("`validation`: an invalid year or participant id"),
				401: problemContent("`unauthorized`: no committee token"),
				404: problemContent("`name-not-found` (no such name under review) or `ceremony-not-found`"),
				...bodyAnswers,
				503: busy,
			},
		}),
		async (c) => {
			const { year, participantId } = c.req.valid("param");
			await loadCeremony(c.env, year);
			const member = c.get("member").name;
			const outcome = ceremonyAnswer(await ceremonyStub(c.env, year).moderateName(year, participantId, action, member));
			if (outcome.kind === "not-found") throw new Problem(404, "name-not-found", "No such name under review");
			return c.json(presentName(outcome.entry), 200);
		},
	);
}
