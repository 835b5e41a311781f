import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../http/app-env";
import { committeeMemberOf } from "../http/guards";
import { Problem } from "../http/problem";

const SITEVERIFY = "https://challenges.cloudflare.com/turnstile/v0/siteverify";

/**
 * Cloudflare Turnstile check on token issuance. Production requires `TURNSTILE_SECRET` (see
 * http/secrets.ts; `TURNSTILE = "off"` turns the check off on purpose); locally and in tests no
 * secret is set and nothing calls out. The page sends the widget's token in the
 * `CF-Turnstile-Response` header; a committee token is exempt.
 */
export const requireTurnstile = createMiddleware<AppEnv>(async (c, next) => {
	const secret = (c.env.TURNSTILE ?? "").trim() === "off" ? undefined : c.env.TURNSTILE_SECRET;
	if (secret && !committeeMemberOf(c.req.header("authorization"), c.env.COMMITTEE_TOKENS)) {
		const response = c.req.header("cf-turnstile-response");
		if (!response || response.length > 2048) {
			throw new Problem(
				403,
				"turnstile-required",
				"Human check required",
				"Send the Turnstile token in CF-Turnstile-Response.",
				{ siteKey: c.env.TURNSTILE_SITE_KEY ?? null },
			);
		}
		const form = new FormData();
		form.append("secret", secret);
		form.append("response", response);
		const ip = c.req.header("cf-connecting-ip");
		if (ip) form.append("remoteip", ip);
		const outcome = await fetch(SITEVERIFY, { method: "POST", body: form })
			.then((res) => res.json<{ success?: boolean }>())
			.catch(() => ({ success: false }));
		if (outcome.success !== true)
			throw new Problem(403, "turnstile-failed", "Human check failed", "Reload the page and try again.");
	}
	await next();
});
