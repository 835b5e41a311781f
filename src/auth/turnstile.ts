import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../http/app-env";
import { committeeMemberOf } from "../http/guards";
import { Problem } from "../http/problem";

const SITEVERIFY = "https://challenges.cloudflare.com/turnstile/v0/siteverify";

/** The Turnstile secret when the check is on: set, and not turned off with `TURNSTILE = "off"`. */
export const turnstileSecret = (env: Env): string | undefined =>
	(env.TURNSTILE ?? "").trim() === "off" ? undefined : (env.TURNSTILE_SECRET ?? "").trim() || undefined;

/** The site key the participant page renders the widget with: only when issuance checks Turnstile. */
export const turnstileSiteKey = (env: Env): string | null =>
	turnstileSecret(env) ? (env.TURNSTILE_SITE_KEY ?? "").trim() || null : null;

/**
 * Where tokens are verified. Only a development run (the browser tests) may point it at a local
 * stand-in, since nothing may call out there; anywhere else it is Cloudflare's siteverify.
 */
export const siteverifyUrl = (env: Env): string =>
	env.ENVIRONMENT === "development" && env.TURNSTILE_SITEVERIFY_URL ? env.TURNSTILE_SITEVERIFY_URL : SITEVERIFY;

/**
 * Cloudflare Turnstile check on token issuance. Production requires `TURNSTILE_SECRET` and
 * `TURNSTILE_SITE_KEY` (see http/secrets.ts; `TURNSTILE = "off"` turns the check off on purpose);
 * locally and in tests no secret is set and nothing calls out. The page renders the widget with the
 * site key and sends its token in the `CF-Turnstile-Response` header; a committee token is exempt.
 */
export const requireTurnstile = createMiddleware<AppEnv>(async (c, next) => {
	const secret = turnstileSecret(c.env);
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
		const outcome = await fetch(siteverifyUrl(c.env), { method: "POST", body: form })
			.then((res) => res.json<{ success?: boolean }>())
			.catch(() => ({ success: false }));
		if (outcome.success !== true)
			throw new Problem(403, "turnstile-failed", "Human check failed", "Reload the page and try again.");
	}
	await next();
});
