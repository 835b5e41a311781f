import { z } from "@hono/zod-openapi";
import { problemContent } from "./common";

/** The answers that middleware gives on the way to a route, documented on every route that passes it. */

const RetryAfter = z.object({
	"Retry-After": z.string().openapi({ description: "Seconds to wait before trying again", example: "60" }),
});

const retryLater = (description: string) => ({ ...problemContent(description), headers: RetryAfter });

export const rateLimited = retryLater("`rate-limited`: over a rate limit; retry after `Retry-After` seconds");

export const busy = retryLater(
	"`unavailable`: busy or restarting; retry after `Retry-After` seconds (an action with the same Idempotency-Key)",
);

/** A production configuration without a secret the route needs (see docs/OPERATIONS.md). */
export const misconfigured = problemContent(
	"`misconfigured`: a secret this operation needs is missing or too short in the configuration",
);

/** Every public read under /api/v1/ceremonies/: its media key is checked and its address or key is rate-limited. */
export const publicReadAnswers = {
	401: problemContent("`unauthorized`: an `X-API-Key` that is not a media key (send none, or one of yours)"),
	429: rateLimited,
	503: busy,
};

/** Every request with a body: it must be JSON and at most 8 KiB. */
export const bodyAnswers = {
	413: problemContent("`body-too-large`: the body is over 8 KiB"),
	415: problemContent("`unsupported-media-type`: the body is not `application/json`"),
};

export const invalidYear = problemContent("`validation`: the year is not a number from 2000 to 2100");

/** Requirements for operations anyone may call, with or without a media key (a higher rate limit). */
export const publicOrMediaKey: Array<Record<string, string[]>> = [{}, { mediaKey: [] }];
