// Secrets are not in wrangler.toml, so `wrangler types` cannot see them.
declare namespace Cloudflare {
	interface Env {
		/** `name:token` pairs separated by commas, one per committee member. */
		COMMITTEE_TOKENS?: string;
		/** HMAC key(s) of participant tokens, separated by spaces; the first signs. */
		PARTICIPANT_TOKEN_SECRET?: string;
		/** Media partners' API keys, `name:key` pairs separated by commas (a higher read limit). */
		MEDIA_API_KEYS?: string;
		/** Cloudflare Turnstile secret: when set, issuing a participant token needs a Turnstile token. */
		TURNSTILE_SECRET?: string;
	}
}
