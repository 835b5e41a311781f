import { createRoute } from "@hono/zod-openapi";
import { requestCountry } from "../http/country";
import { requireParticipant } from "../http/guards";
import { subApp } from "../http/openapi";
import { limitActions } from "../http/rate-limits";
import { ActionAccepted, ActionInput, IdempotencyKeyHeader } from "../schemas/action";
import { bodyAnswers, busy } from "../schemas/answers";
import { problemContent, YearParam } from "../schemas/common";
import { performAction } from "./action-perform";

export const actions = subApp();

actions.openapi(
	createRoute({
		method: "post",
		path: "/api/v1/ceremonies/{year}/actions",
		operationId: "performAction",
		tags: ["participants"],
		summary: "Offer a flower basket, burn incense, bow or send a blessing",
		description:
			"Idempotent by Idempotency-Key (per participant): a replay returns the first status and body and counts nothing.",
		security: [{ participantToken: [] }],
		middleware: [requireParticipant, limitActions],
		request: {
			params: YearParam,
			headers: IdempotencyKeyHeader,
			body: { content: { "application/json": { schema: ActionInput } }, required: true },
		},
		responses: {
			201: { description: "Counted", content: { "application/json": { schema: ActionAccepted } } },
			400: problemContent("`validation` or `malformed-request`: an invalid body, or no valid Idempotency-Key"),
			401: problemContent("`unauthorized`: no valid participant token"),
			403: problemContent("`outside-window` or `ceremony-closed`: the ceremony is not open for online participation"),
			404: problemContent("`ceremony-not-found`: no ceremony for that year"),
			409: problemContent("`action-limit`: over the per-participant limit; carries the certificate"),
			410: problemContent("A replay of a blessing the participant has erased"),
			...bodyAnswers,
			422: problemContent("`idempotency-key-reused`: the Idempotency-Key was used with another body"),
			429: problemContent("`rate-limited`: a burst of actions from this participant; retry after `Retry-After`"),
			503: busy,
		},
	}),
	async (c) =>
		// @ts-expect-error responses are built by respond(), which the route's schemas describe
		performAction({
			env: c.env,
			waitUntil: (promise) => c.executionCtx.waitUntil(promise),
			year: c.req.valid("param").year,
			participantId: c.get("participantId"),
			idempotencyKey: c.req.valid("header")["idempotency-key"],
			input: c.req.valid("json"),
			country: requestCountry(c),
		}),
);
