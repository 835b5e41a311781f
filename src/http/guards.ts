import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import { holderOf } from "../auth/named-tokens";
import { verifyParticipantToken } from "../auth/participant-token";
import type { AppEnv } from "./app-env";
import { Problem } from "./problem";
import { checkSecret } from "./secrets";

export const MAX_BODY_BYTES = 8 * 1024;

/** Bodies are limited before anything reads them. */
export const limitBody = bodyLimit({
	maxSize: MAX_BODY_BYTES,
	onError: () => {
		throw new Problem(413, "body-too-large", "Request body too large", `At most ${MAX_BODY_BYTES} bytes.`);
	},
});

/** A request with a body must say it is JSON. */
export const requireJson = createMiddleware<AppEnv>(async (c, next) => {
	const method = c.req.method;
	if (method === "POST" || method === "PUT" || method === "PATCH") {
		const type = c.req.header("content-type") ?? "";
		const hasBody = c.req.header("content-length") !== "0" && (type !== "" || c.req.header("transfer-encoding"));
		if (hasBody && !/^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(type)) {
			throw new Problem(415, "unsupported-media-type", "Send JSON", "Content-Type must be application/json.");
		}
	}
	await next();
});

export function bearer(header: string | null | undefined): string | null {
	const match = /^Bearer ([\x21-\x7e]{1,512})$/.exec(header ?? "");
	return match ? (match[1] as string) : null;
}

const unauthorized = (detail: string) =>
	new Problem(
		401,
		"unauthorized",
		"Authentication required",
		detail,
		{},
		{ "www-authenticate": 'Bearer realm="baizu"' },
	);

export const requireParticipant = createMiddleware<AppEnv>(async (c, next) => {
	checkSecret(c.env, "PARTICIPANT_TOKEN_SECRET");
	const token = bearer(c.req.header("authorization"));
	if (!token) throw unauthorized("Send the participant token as Authorization: Bearer <token>.");
	const participantId = await verifyParticipantToken(token, c.env.PARTICIPANT_TOKEN_SECRET);
	if (!participantId) throw unauthorized("The participant token is not valid.");
	c.set("participantId", participantId);
	await next();
});

export function committeeMemberOf(header: string | undefined, configured: string | undefined) {
	const token = bearer(header);
	return token ? holderOf(token, configured) : null;
}

export const requireCommittee = createMiddleware<AppEnv>(async (c, next) => {
	checkSecret(c.env, "COMMITTEE_TOKENS");
	const member = committeeMemberOf(c.req.header("authorization"), c.env.COMMITTEE_TOKENS);
	if (!member) throw unauthorized("A committee member's token is required.");
	c.set("member", member);
	await next();
});
