import { createMiddleware } from "hono/factory";
import type { AppEnv } from "./app-env";
import { Problem } from "./problem";

/** Secrets a route may need. None has a default: outside development a short one counts as missing. */
export type SecretName = "PARTICIPANT_TOKEN_SECRET" | "COMMITTEE_TOKENS" | "TURNSTILE_SECRET";

/** The shortest acceptable key: 32 characters of a random secret, 24 of a committee member's token. */
export const MIN_PARTICIPANT_SECRET_LENGTH = 32;
export const MIN_COMMITTEE_TOKEN_LENGTH = 24;

const isDevelopment = (env: Env) => env.ENVIRONMENT === "development";

/** Why the configured value cannot be used, or null. */
function problemWith(env: Env, name: SecretName): string | null {
	const value = (env[name] ?? "").trim();
	const strict = !isDevelopment(env);
	switch (name) {
		case "PARTICIPANT_TOKEN_SECRET": {
			const keys = value.split(/\s+/).filter(Boolean);
			if (keys.length === 0) return "is not set";
			if (strict && keys.some((k) => k.length < MIN_PARTICIPANT_SECRET_LENGTH))
				return `has a key shorter than ${MIN_PARTICIPANT_SECRET_LENGTH} characters`;
			return null;
		}
		case "COMMITTEE_TOKENS": {
			const pairs = value
				.split(",")
				.map((p) => p.trim())
				.filter(Boolean);
			if (pairs.length === 0) return "is not set";
			const tokenOf = (pair: string) => (pair.indexOf(":") > 0 ? pair.slice(pair.indexOf(":") + 1).trim() : "");
			if (strict && pairs.some((p) => tokenOf(p).length < MIN_COMMITTEE_TOKEN_LENGTH))
				return `has a pair that is not name:token with a token of at least ${MIN_COMMITTEE_TOKEN_LENGTH} characters`;
			return null;
		}
		case "TURNSTILE_SECRET":
			// Production issues tokens only behind Turnstile, unless the committee turned it off on purpose.
			if (!strict || (env.TURNSTILE ?? "").trim() === "off") return null;
			if (value === "") return 'is not set (set it, or TURNSTILE = "off" to issue tokens without the check)';
			// Without the site key the page cannot render the widget, so nobody could get a token.
			return (env.TURNSTILE_SITE_KEY ?? "").trim() === ""
				? "is set but the var TURNSTILE_SITE_KEY is not (the participant page needs it to render the widget)"
				: null;
	}
}

const checked = new Map<string, string | null>();
const logged = new Set<string>();

/** Refuses with 503 `misconfigured` when a secret is missing or too short; one log line per isolate. */
export function checkSecret(env: Env, name: SecretName): void {
	const memo = `${name}\u0000${env.ENVIRONMENT}\u0000${env.TURNSTILE ?? ""}\u0000${env.TURNSTILE_SITE_KEY ?? ""}\u0000${env[name] ?? ""}`;
	let problem = checked.get(memo);
	if (problem === undefined) {
		problem = problemWith(env, name);
		if (checked.size > 32) checked.clear();
		checked.set(memo, problem);
	}
	if (problem === null) return;
	if (!logged.has(memo)) {
		logged.add(memo);
		console.error(`misconfigured: the secret ${name} ${problem}; routes that need it answer 503`);
	}
	throw new Problem(
		503,
		"misconfigured",
		"Service not configured",
		"This service is missing part of its configuration. The operators have been told.",
	);
}

/** Checks the named secrets before anything else of the route runs. */
export const requireSecrets = (...names: SecretName[]) =>
	createMiddleware<AppEnv>(async (c, next) => {
		for (const name of names) checkSecret(c.env, name);
		await next();
	});
