// Starts the service as `npm start` does (wrangler dev, fresh local state) on a free loopback port
// for the checks that need it running (the API linters and media client, Lighthouse, pa11y,
// html-validate), waits until the current ceremony is open, and stops it.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent, fetch as undiciFetch } from "undici";

export const COMMITTEE_TOKEN = "audit-committee-token";
export const MEDIA_KEY = "media-key-of-the-example";

// A connection per request: wrangler dev's proxy may close an idle kept-alive one under a late request.
const fresh = new Agent({ pipelining: 0 });
/**
 * `fetch` without connection reuse, for scripts that talk to the service between long steps.
 * @param {string} url
 * @param {import("undici").RequestInit} [init]
 */
export const fetchFresh = (url, init = {}) => undiciFetch(url, { ...init, dispatcher: fresh });

/** @returns {Promise<number>} a free TCP port on the loopback interface */
export function freePort() {
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

/**
 * @param {() => Promise<boolean>} check
 * @param {string} what
 * @param {number} timeoutMs
 * @param {import("node:child_process").ChildProcess} child
 */
async function waitFor(check, what, timeoutMs, child) {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (child.exitCode !== null) throw new Error(`the service exited (${child.exitCode}) before ${what}`);
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
 * The service to audit: AUDIT_BASE_URL when given (a service already running), else one started here.
 * `vars` start one here with these vars as well (a configuration of its own, e.g. Turnstile on).
 * @param {{vars?: Record<string, string>}} [options]
 * @returns {Promise<{baseURL: string, stop: () => void}>}
 */
export async function startService({ vars = {} } = {}) {
	const given = Object.keys(vars).length ? undefined : process.env.AUDIT_BASE_URL?.replace(/\/$/, "");
	if (given) return { baseURL: given, stop: () => {} };
	const port = await freePort();
	const state = mkdtempSync(join(tmpdir(), "baizu-audit-"));
	const baseURL = `http://127.0.0.1:${port}`;
	const child = spawn(
		"npx",
		[
			"wrangler",
			"dev",
			"--port",
			String(port),
			"--ip",
			"127.0.0.1",
			"--persist-to",
			state,
			"--var",
			"ENVIRONMENT:development",
			"--var",
			`COMMITTEE_TOKENS:audit:${COMMITTEE_TOKEN}`,
			"--var",
			"PARTICIPANT_TOKEN_SECRET:audit-secret",
			"--var",
			"DEFAULT_SHARD_COUNT:4",
			"--var",
			`MEDIA_API_KEYS:example:${MEDIA_KEY}`,
			...Object.entries(vars).flatMap(([name, value]) => ["--var", `${name}:${value}`]),
			"--show-interactive-dev-session=false",
		],
		{
			stdio: ["ignore", "pipe", "pipe"],
			detached: true,
			env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false" },
		},
	);
	let output = "";
	const keep = (/** @type {Buffer} */ b) => {
		output = (output + b.toString()).slice(-20_000);
	};
	child.stdout?.on("data", keep);
	child.stderr?.on("data", keep);
	const stop = () => {
		if (child.pid && child.exitCode === null) {
			try {
				process.kill(-child.pid, "SIGTERM");
			} catch {
				child.kill("SIGTERM");
			}
		}
		rmSync(state, { recursive: true, force: true });
	};
	try {
		await waitFor(async () => (await fetchFresh(`${baseURL}/healthz`)).ok, "/healthz", 90_000, child);
		await waitFor(
			async () => {
				const r = await fetchFresh(`${baseURL}/api/v1/ceremonies/current`);
				return r.ok && (await r.json()).status === "open";
			},
			"the current ceremony to open",
			60_000,
			child,
		);
	} catch (e) {
		stop();
		throw new Error(`${/** @type {Error} */ (e).message}\n--- wrangler output ---\n${output}`);
	}
	return { baseURL, stop };
}
