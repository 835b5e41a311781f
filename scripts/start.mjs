#!/usr/bin/env node
// Starts the service on the local runtime (workerd through wrangler, Durable Object state on local
// disk). Without a .dev.vars, it runs with development defaults and prints the committee token.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";

const port = process.env.PORT ?? "8787";
const args = ["wrangler", "dev", "--ip", "127.0.0.1", "--port", port, "--var", "ENVIRONMENT:development"];
if (process.env.PERSIST_TO) args.push("--persist-to", process.env.PERSIST_TO);
if (!existsSync(".dev.vars")) {
	const committeeToken = process.env.COMMITTEE_TOKEN ?? "dev-committee-token";
	args.push(
		"--var",
		`COMMITTEE_TOKENS:dev:${committeeToken}`,
		"--var",
		"PARTICIPANT_TOKEN_SECRET:development-only-participant-token-secret",
		"--var",
		`DEFAULT_SHARD_COUNT:${process.env.SHARD_COUNT ?? "8"}`,
	);
	console.log(`No .dev.vars: development defaults. Committee token (member "dev"): ${committeeToken}`);
}
console.log(`Serving on http://127.0.0.1:${port}`);
const child = spawn("npx", args, { stdio: "inherit" });
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code) => process.exit(code ?? 0));
