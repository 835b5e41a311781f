import { defineConfig } from "vitest/config";

// Browser tests of the participant page: real headless Chromium (Debian's `chromium`) driven by
// playwright-core, against the service started by tests/browser/global-setup.ts.
export default defineConfig({
	test: {
		include: ["tests/browser/**/*.test.ts"],
		environment: "node",
		globalSetup: ["tests/browser/global-setup.ts"],
		fileParallelism: false,
		testTimeout: 180_000,
		hookTimeout: 120_000,
		teardownTimeout: 30_000,
	},
});
