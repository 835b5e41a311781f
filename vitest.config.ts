import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig({
	plugins: [
		cloudflareTest({
			wrangler: { configPath: "./wrangler.toml" },
			miniflare: {
				bindings: {
					ENVIRONMENT: "development",
					DEFAULT_SHARD_COUNT: "4",
					BLESSING_HOLD_WORDS: "广告,加微信",
					COMMITTEE_TOKENS: "ada:test-committee-token-ada,bo:test-committee-token-bo",
					PARTICIPANT_TOKEN_SECRET: "test-participant-secret",
					MEDIA_API_KEYS: "xinhua:media-key-of-xinhua",
				},
			},
		}),
	],
	test: {
		include: ["tests/**/*.test.ts"],
		exclude: ["tests/browser/**", "tests/load/**", "tests/runtime/**"],
		testTimeout: 60_000,
		hookTimeout: 60_000,
	},
});
