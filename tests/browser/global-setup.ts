import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";

declare module "vitest" {
	export interface ProvidedContext {
		baseURL: string;
		committeeToken: string;
	}
}

/** A free TCP port on the loopback interface. */
function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const srv = createServer();
		srv.unref();
		srv.on("error", reject);
		srv.listen(0, "127.0.0.1", () => {
			const addr = srv.address();
			const port = typeof addr === "object" && addr ? addr.port : 0;
			srv.close(() => resolve(port));
		});
	});
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs: number, child?: ChildProcess) {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (child && child.exitCode !== null) throw new Error(`the service exited (${child.exitCode}) before ${what}`);
		try {
			if (await check()) return;
		} catch {
			// not up yet
		}
		await new Promise((r) => setTimeout(r, 300));
	}
	throw new Error(`timed out waiting for ${what}`);
}

/**
 * Starts the Worker with wrangler dev on a free port and fresh local state (or uses
 * BROWSER_TEST_BASE_URL when given), waits until it answers and the ceremony is open, and stops it
 * at the end.
 */
export default async function setup(project: TestProject) {
	let child: ChildProcess | undefined;
	let persistDir: string | undefined;
	let baseURL = process.env.BROWSER_TEST_BASE_URL?.replace(/\/$/, "");
	let output = "";
	if (!baseURL) {
		const port = await freePort();
		persistDir = mkdtempSync(join(tmpdir(), "baizu-browser-"));
		baseURL = `http://127.0.0.1:${port}`;
		child = spawn(
			"npx",
			[
				"wrangler",
				"dev",
				"--port",
				String(port),
				"--ip",
				"127.0.0.1",
				"--persist-to",
				persistDir,
				"--var",
				"ENVIRONMENT:development",
				"--var",
				"COMMITTEE_TOKENS:ci:ci-committee-token",
				"--var",
				"PARTICIPANT_TOKEN_SECRET:ci-secret",
				"--var",
				"DEFAULT_SHARD_COUNT:4",
				"--var",
				"BLESSING_HOLD_WORDS:广告,加微信",
				"--show-interactive-dev-session=false",
			],
			{
				stdio: ["ignore", "pipe", "pipe"],
				detached: true,
				env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false" },
			},
		);
		const keep = (b: Buffer) => {
			output = (output + b.toString()).slice(-20_000);
		};
		child.stdout?.on("data", keep);
		child.stderr?.on("data", keep);
	}
	const url = baseURL;
	try {
		await waitFor(async () => (await fetch(`${url}/healthz`)).ok, "/healthz", 90_000, child);
		await waitFor(
			async () => {
				const r = await fetch(`${url}/api/v1/ceremonies/current`);
				return r.ok && ((await r.json()) as { status?: string }).status === "open";
			},
			"the current ceremony to open",
			60_000,
			child,
		);
	} catch (e) {
		stop(child);
		throw new Error(`${(e as Error).message}\n--- wrangler output ---\n${output}`);
	}
	console.log(`browser tests against ${url}`);
	project.provide("baseURL", url);
	project.provide("committeeToken", child ? "ci-committee-token" : (process.env.BROWSER_TEST_COMMITTEE_TOKEN ?? ""));
	return async () => {
		stop(child);
		if (persistDir) rmSync(persistDir, { recursive: true, force: true });
	};
}

/** Ends the process group this setup started (wrangler and the workerd it runs). */
function stop(child: ChildProcess | undefined) {
	if (!child?.pid || child.exitCode !== null) return;
	try {
		process.kill(-child.pid, "SIGTERM");
	} catch {
		child.kill("SIGTERM");
	}
}
