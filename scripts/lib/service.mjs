// Starts the service as `npm start` does (wrangler dev on the local workerd) on a free loopback
// port with fresh local state, waits until it answers and the current ceremony is open, and stops
// it (wrangler and the workerd it runs) on request.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent, fetch as undiciFetch } from "undici";

// A connection per request: wrangler dev's proxy may close an idle kept-alive one under a late request.
const fresh = new Agent({ pipelining: 0 });
/** `fetch` without connection reuse, for scripts that talk to the service between long steps. */
export const fetchFresh = (url, init = {}) => undiciFetch(url, { ...init, dispatcher: fresh });

export const MEDIA_KEY = "media-key-of-the-example";
export const COMMITTEE_TOKEN = "api-check-committee-token";

function freePort() {
	return new Promise((resolve, reject) => {
		const srv = createServer();
		srv.unref();
		srv.on("error", reject);
		srv.listen(0, "127.0.0.1", () => {
			const address = srv.address();
			srv.close(() => resolve(typeof address === "object" && address ? address.port : 0));
		});
	});
}

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

/** @returns {Promise<{ url: string, stop: () => void }>} */
export async function startService() {
	const port = await freePort();
	const persistDir = mkdtempSync(join(tmpdir(), "baizu-api-"));
	const url = `http://127.0.0.1:${port}`;
	const vars = {
		ENVIRONMENT: "development",
		COMMITTEE_TOKENS: `ci:${COMMITTEE_TOKEN}`,
		PARTICIPANT_TOKEN_SECRET: "api-check-participant-secret",
		DEFAULT_SHARD_COUNT: "4",
		MEDIA_API_KEYS: `example:${MEDIA_KEY}`,
	};
	const args = ["wrangler", "dev", "--port", String(port), "--ip", "127.0.0.1", "--persist-to", persistDir];
	for (const [name, value] of Object.entries(vars)) args.push("--var", `${name}:${value}`);
	args.push("--show-interactive-dev-session=false");
	const child = spawn("npx", args, {
		stdio: ["ignore", "pipe", "pipe"],
		detached: true,
		env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false" },
	});
	let output = "";
	const keep = (chunk) => {
		output = (output + chunk.toString()).slice(-20_000);
	};
	child.stdout.on("data", keep);
	child.stderr.on("data", keep);
	const stop = () => {
		if (child.pid && child.exitCode === null) {
			try {
				process.kill(-child.pid, "SIGTERM");
			} catch {
				child.kill("SIGTERM");
			}
		}
		rmSync(persistDir, { recursive: true, force: true });
	};
	try {
		await waitFor(async () => (await fetchFresh(`${url}/healthz`)).ok, "/healthz", 90_000, child);
		await waitFor(
			async () => {
				const res = await fetchFresh(`${url}/api/v1/ceremonies/current`);
				return res.ok && (await res.json()).status === "open";
			},
			"the current ceremony to open",
			60_000,
			child,
		);
	} catch (error) {
		stop();
		throw new Error(`${error.message}\n--- wrangler output ---\n${output}`);
	}
	return { url, stop };
}
