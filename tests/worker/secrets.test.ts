import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { app } from "../../src/app";
import { issueParticipantToken, newParticipantId } from "../../src/auth/participant-token";
import { siteverifyUrl } from "../../src/auth/turnstile";
import { BASE, expectProblem, YEAR } from "./helpers";

const LONG_SECRET = "a-participant-secret-of-more-than-32-characters";
const LONG_COMMITTEE = "ada:a-committee-token-of-at-least-24-chars";

/** The app as it runs under a configuration of production with some secrets changed. */
async function underConfig(config: Partial<Env>, path: string, init: RequestInit = {}): Promise<Response> {
	const ctx = createExecutionContext();
	const production: Env = { ...env, ENVIRONMENT: "production", TURNSTILE: "off", ...config };
	for (const [key, value] of Object.entries(config)) if (value === undefined) delete production[key as keyof Env];
	const res = await app.fetch(new Request(`${BASE}${path}`, init), production, ctx);
	await waitOnExecutionContext(ctx);
	return res;
}

const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
	method: "POST",
	headers: { "content-type": "application/json", ...headers },
	body: JSON.stringify(body),
});

describe("a production configuration without its secrets", () => {
	it("issues no participant token and accepts none, not even one signed with the old development key", async () => {
		const noSecret = { PARTICIPANT_TOKEN_SECRET: undefined, COMMITTEE_TOKENS: LONG_COMMITTEE };
		await expectProblem(await underConfig(noSecret, "/api/v1/participants", json({})), 503, "misconfigured");
		const forged = await issueParticipantToken(newParticipantId(), "development-only-participant-token-secret");
		const me = `/api/v1/ceremonies/${YEAR}/participants/me`;
		const put = await underConfig(noSecret, me, {
			method: "PUT",
			headers: { authorization: `Bearer ${forged}`, "content-type": "application/json" },
			body: JSON.stringify({ displayName: "forged" }),
		});
		await expectProblem(put, 503, "misconfigured");
		const action = await underConfig(
			noSecret,
			`/api/v1/ceremonies/${YEAR}/actions`,
			json({ type: "flower" }, { authorization: `Bearer ${forged}`, "idempotency-key": "forged-key-0001" }),
		);
		await expectProblem(action, 503, "misconfigured");
	});

	it("refuses a short participant secret, a short or missing committee token, and tickets without a secret", async () => {
		const short = { PARTICIPANT_TOKEN_SECRET: "short-secret", COMMITTEE_TOKENS: LONG_COMMITTEE };
		await expectProblem(await underConfig(short, "/api/v1/participants", json({})), 503, "misconfigured");

		const committeeHeader = { authorization: "Bearer a-committee-token-of-at-least-24-chars" };
		const noCommittee = { PARTICIPANT_TOKEN_SECRET: LONG_SECRET, COMMITTEE_TOKENS: undefined };
		await expectProblem(
			await underConfig(noCommittee, "/api/v1/admin/whoami", { headers: committeeHeader }),
			503,
			"misconfigured",
		);
		const shortCommittee = { PARTICIPANT_TOKEN_SECRET: LONG_SECRET, COMMITTEE_TOKENS: "ada:short-token" };
		await expectProblem(
			await underConfig(shortCommittee, "/api/v1/admin/whoami", { headers: { authorization: "Bearer short-token" } }),
			503,
			"misconfigured",
		);
		const noSecret = { PARTICIPANT_TOKEN_SECRET: undefined, COMMITTEE_TOKENS: LONG_COMMITTEE };
		await expectProblem(
			await underConfig(noSecret, "/api/v1/admin/tickets", json({}, committeeHeader)),
			503,
			"misconfigured",
		);
		await expectProblem(
			await underConfig(noSecret, `/api/v1/admin/ceremonies/${YEAR}/live?ticket=x`, {
				headers: { upgrade: "websocket" },
			}),
			503,
			"misconfigured",
		);
	});

	it("requires Turnstile for token issuance unless it is turned off on purpose", async () => {
		const secrets = { PARTICIPANT_TOKEN_SECRET: LONG_SECRET, COMMITTEE_TOKENS: LONG_COMMITTEE };
		await expectProblem(
			await underConfig({ ...secrets, TURNSTILE: undefined }, "/api/v1/participants", json({})),
			503,
			"misconfigured",
		);
		const withTurnstile = {
			...secrets,
			TURNSTILE: undefined,
			TURNSTILE_SECRET: "a-turnstile-secret",
			TURNSTILE_SITE_KEY: "1x00000000000000000000AA",
		};
		await expectProblem(await underConfig(withTurnstile, "/api/v1/participants", json({})), 403, "turnstile-required");
		// Without the site key the page cannot render the widget: nobody could get a token.
		await expectProblem(
			await underConfig({ ...withTurnstile, TURNSTILE_SITE_KEY: undefined }, "/api/v1/participants", json({})),
			503,
			"misconfigured",
		);
		expect((await underConfig(secrets, "/api/v1/participants", json({}))).status).toBe(201);
	});

	it("verifies Turnstile tokens with Cloudflare, whatever stand-in the configuration names, outside development", () => {
		const standIn = "http://127.0.0.1:9/siteverify";
		const cloudflare = "https://challenges.cloudflare.com/turnstile/v0/siteverify";
		for (const ENVIRONMENT of ["production", "staging", undefined])
			expect(siteverifyUrl({ ...env, ENVIRONMENT, TURNSTILE_SITEVERIFY_URL: standIn } as Env)).toBe(cloudflare);
		expect(siteverifyUrl({ ...env, ENVIRONMENT: "development", TURNSTILE_SITEVERIFY_URL: standIn })).toBe(standIn);
		expect(siteverifyUrl({ ...env, ENVIRONMENT: "development", TURNSTILE_SITEVERIFY_URL: undefined })).toBe(cloudflare);
	});

	it("works with its secrets set, and public reads need none", async () => {
		const secrets = { PARTICIPANT_TOKEN_SECRET: LONG_SECRET, COMMITTEE_TOKENS: LONG_COMMITTEE };
		const issued = await underConfig(secrets, "/api/v1/participants", json({}));
		expect(issued.status).toBe(201);
		const none = { PARTICIPANT_TOKEN_SECRET: undefined, COMMITTEE_TOKENS: undefined };
		expect((await underConfig(none, "/api/v1/ceremonies/current")).status).toBe(200);
		expect((await underConfig(none, "/healthz")).status).toBe(200);
	});
});
