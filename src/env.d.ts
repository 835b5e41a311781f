// Secrets are not in wrangler.toml, so `wrangler types` cannot see them.
declare namespace Cloudflare {
	interface Env {
		/** `name:token` pairs separated by commas, one per committee member. */
		COMMITTEE_TOKENS?: string;
		/** HMAC key(s) of participant tokens, separated by spaces; the first signs. */
		PARTICIPANT_TOKEN_SECRET?: string;
		/** Media partners' API keys, `name:key` pairs separated by commas (a higher read limit). */
		MEDIA_API_KEYS?: string;
		/** Cloudflare Turnstile secret: issuing a participant token needs a Turnstile token (required in production). */
		TURNSTILE_SECRET?: string;
		/** "off" lets production issue tokens without Turnstile (a deliberate choice, e.g. a load rehearsal). */
		TURNSTILE?: string;
		/** Turnstile site key, given to the participant page to render the widget (required with the secret in production). */
		TURNSTILE_SITE_KEY?: string;
		/** Development only (the browser tests): a local stand-in for Turnstile's siteverify. Ignored elsewhere. */
		TURNSTILE_SITEVERIFY_URL?: string;
	}
}
