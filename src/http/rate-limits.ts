import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { holderOf } from "../auth/named-tokens";
import { addressPrefix } from "./address";
import type { AppEnv } from "./app-env";
import { committeeMemberOf } from "./guards";
import { Problem } from "./problem";

type LimitBinding = "ISSUANCE_LIMIT" | "ACTION_LIMIT" | "PUBLIC_READ_LIMIT" | "MEDIA_READ_LIMIT" | "REPORT_LIMIT";

/** The caller's address, only to key a limit; it is never stored. */
export const clientAddress = (c: Context<AppEnv>) => c.req.header("cf-connecting-ip") ?? "unknown";

/** What one subscriber controls: IPv4 the address, IPv6 its /64 (rotating inside it is free). */
const subscriberKey = (c: Context<AppEnv>) => addressPrefix(clientAddress(c));

const enforce = (c: Context<AppEnv>, binding: LimitBinding, key: string, retryAfterS: number) =>
	checkLimit(c.env, binding, key, retryAfterS);

/** Throws the 429 problem when `key` is over the binding's limit. */
export async function checkLimit(env: Env, binding: LimitBinding, key: string, retryAfterS: number): Promise<void> {
	const { success } = await env[binding].limit({ key });
	if (!success) {
		throw new Problem(
			429,
			"rate-limited",
			"Too many requests",
			`Slow down and retry after ${retryAfterS} seconds.`,
			{},
			{ "retry-after": String(retryAfterS) },
		);
	}
}

/** New participant tokens per address; a committee token (rehearsals, load tests) is exempt. */
export const limitIssuance = createMiddleware<AppEnv>(async (c, next) => {
	if (!committeeMemberOf(c.req.header("authorization"), c.env.COMMITTEE_TOKENS)) {
		await enforce(c, "ISSUANCE_LIMIT", subscriberKey(c), 60);
	}
	await next();
});

/** Actions per participant: a bot-like burst from one participant is refused, others go on. */
export const checkActionLimit = (env: Env, participantId: string) => checkLimit(env, "ACTION_LIMIT", participantId, 10);

export const limitActions = createMiddleware<AppEnv>(async (c, next) => {
	await checkActionLimit(c.env, c.get("participantId"));
	await next();
});

export const limitReports = createMiddleware<AppEnv>(async (c, next) => {
	await enforce(c, "REPORT_LIMIT", c.get("participantId"), 60);
	await next();
});

/** Public reads: per address, or per media partner with an `X-API-Key` from MEDIA_API_KEYS. */
export const limitPublicReads = createMiddleware<AppEnv>(async (c, next) => {
	const apiKey = c.req.header("x-api-key");
	if (apiKey !== undefined) {
		const partner = holderOf(apiKey, c.env.MEDIA_API_KEYS);
		if (!partner)
			throw new Problem(401, "unauthorized", "Unknown API key", "Send a key from the organizing committee, or none.");
		await enforce(c, "MEDIA_READ_LIMIT", partner.name, 60);
	} else {
		await enforce(c, "PUBLIC_READ_LIMIT", subscriberKey(c), 60);
	}
	await next();
});
