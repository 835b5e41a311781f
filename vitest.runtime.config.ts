import { defineConfig } from "vitest/config";

// Tests against the deployed bundle on workerd (bench/lib/server.mjs starts it through Miniflare
// with wrangler.toml's compatibility settings): what the Workers Vitest integration's runner,
// with settings of its own, cannot show.
export default defineConfig({
	test: {
		include: ["tests/runtime/**/*.test.ts"],
		environment: "node",
		fileParallelism: false,
		testTimeout: 120_000,
		hookTimeout: 120_000,
	},
});
