import { createRoute } from "@hono/zod-openapi";
import type { ParticipantProfile } from "../../durable/shard-protocol";
import { issueParticipantToken, newParticipantId } from "../auth/participant-token";
import { requireTurnstile } from "../auth/turnstile";
import { ceremonyStub } from "../ceremonies";
import { DISPLAY_NAME_MAX_LENGTH, isHeld, normaliseText, textLength } from "../domain/blessing-text";
import { isRegionCode } from "../domain/regions";
import { holdWordsOf } from "../hold-words";
import { requestCountry } from "../http/country";
import { requireParticipant } from "../http/guards";
import { subApp } from "../http/openapi";
import { Problem } from "../http/problem";
import { limitIssuance } from "../http/rate-limits";
import { requireSecrets } from "../http/secrets";
import { validationProblem } from "../http/validation";
import { bodyAnswers, busy, invalidYear, misconfigured, publicReadAnswers, rateLimited } from "../schemas/answers";
import { problemContent, YearParam } from "../schemas/common";
import { NewParticipant, NewParticipantInput, Profile, ProfileInput } from "../schemas/participant";
import { certificateUrl, participantShard, shardAnswer } from "./participant-shard";

export const participants = subApp();

const presentProfile = (year: number, profile: ParticipantProfile, suggestedRegion: string | null): Profile => ({
	participantId: profile.participantId,
	displayName: profile.displayName,
	displayNameState: profile.nameState,
	region: profile.region,
	regionFixed: profile.regionFixed,
	suggestedRegion,
	certificate:
		profile.certificate === null
			? null
			: { number: profile.certificate, url: certificateUrl(year, profile.participantId) },
	actions: profile.actions,
});

const suggested = (country: string) => (isRegionCode(country) ? country : null);

participants.openapi(
	createRoute({
		method: "post",
		path: "/api/v1/participants",
		middleware: [requireSecrets("PARTICIPANT_TOKEN_SECRET", "TURNSTILE_SECRET"), limitIssuance, requireTurnstile],
		operationId: "createParticipant",
		tags: ["participants"],
		security: [],
		summary: "Become a participant: an id and its bearer token",
		description:
			"Issues a participant id and the bearer token for the other participant operations; nothing is stored until the participant acts. Limited per address (a committee token is exempt); in production a Turnstile token may be required.",
		request: { body: { content: { "application/json": { schema: NewParticipantInput } }, required: false } },
		responses: {
			201: { description: "The new participant", content: { "application/json": { schema: NewParticipant } } },
			400: problemContent("`validation` or `malformed-request`: an invalid body"),
			403: problemContent(
				"`turnstile-required` (with the widget's `siteKey`) or `turnstile-failed`: the human check (production)",
			),
			...bodyAnswers,
			429: rateLimited,
			503: misconfigured,
		},
	}),
	async (c) => {
		const participantId = newParticipantId();
		const token = await issueParticipantToken(participantId, c.env.PARTICIPANT_TOKEN_SECRET);
		return c.json({ participantId, token }, 201, { "cache-control": "no-store" });
	},
);

const mePath = "/api/v1/ceremonies/{year}/participants/me";
const meDoc = { tags: ["participants"], security: [{ participantToken: [] }] };

participants.openapi(
	createRoute({
		...meDoc,
		method: "get",
		path: mePath,
		middleware: [requireParticipant],
		operationId: "getMyProfile",
		summary: "The participant's name, region, certificate and progress in this ceremony",
		description:
			"The participant's display name, region (and the one suggested by the request's country), certificate and counted actions.",
		request: { params: YearParam },
		responses: {
			200: { description: "The profile", content: { "application/json": { schema: Profile } } },
			400: invalidYear,
			...publicReadAnswers,
			401: problemContent("`unauthorized`: no valid participant token, or an unknown `X-API-Key`"),
			404: problemContent("`ceremony-not-found`: no ceremony for that year"),
		},
	}),
	async (c) => {
		const { year } = c.req.valid("param");
		const participantId = c.get("participantId");
		const { identity, stub } = await participantShard(c.env, year, participantId);
		const { profile } = shardAnswer(year, await stub.profile(identity, participantId));
		return c.json(presentProfile(year, profile, suggested(requestCountry(c))), 200, { "cache-control": "no-store" });
	},
);

participants.openapi(
	createRoute({
		...meDoc,
		method: "put",
		path: mePath,
		middleware: [requireParticipant],
		operationId: "updateMyProfile",
		summary: "Set the display name and region (the region only until the first counted action)",
		description:
			"The display name is normalised and shown with the participant's blessings; `null` clears it. The region counts in the statistics and is fixed at the first counted action.",
		request: {
			params: YearParam,
			body: { content: { "application/json": { schema: ProfileInput } }, required: true },
		},
		responses: {
			200: { description: "The profile", content: { "application/json": { schema: Profile } } },
			400: problemContent("`validation` or `malformed-request`: an invalid year, name or region"),
			401: problemContent("`unauthorized`: no valid participant token"),
			404: problemContent("`ceremony-not-found`: no ceremony for that year"),
			409: problemContent("`region-fixed`: the region is fixed since the first counted action"),
			...bodyAnswers,
			503: busy,
		},
	}),
	async (c) => {
		const { year } = c.req.valid("param");
		const input = c.req.valid("json");
		const participantId = c.get("participantId");
		let displayName = input.displayName;
		if (typeof displayName === "string") {
			displayName = normaliseText(displayName);
			if (textLength(displayName) > DISPLAY_NAME_MAX_LENGTH) {
				throw validationProblem(
					[{ path: ["displayName"], message: `at most ${DISPLAY_NAME_MAX_LENGTH} characters` }],
					"body",
				);
			}
			if (displayName === "") {
				// Only spaces clear the name; invisible or blank characters alone are no name at all.
				if (input.displayName?.trim() !== "") {
					throw validationProblem([{ path: ["displayName"], message: "has nothing visible in it" }], "body");
				}
				displayName = null;
			}
		}
		if (input.region !== undefined && !isRegionCode(input.region)) {
			throw validationProblem([{ path: ["region"], message: "is not an ISO 3166-1 alpha-2 code" }], "body");
		}
		const nameHeld = typeof displayName === "string" && isHeld(displayName, holdWordsOf(c.env));
		const { identity, stub } = await participantShard(c.env, year, participantId);
		const outcome = shardAnswer(
			year,
			await stub.updateProfile(identity, participantId, { displayName, region: input.region, nameHeld }),
		);
		// Only a name that enters or leaves review reaches the CeremonyDO: most updates never do.
		if (outcome.kind === "updated" && nameHeld && typeof displayName === "string") {
			await ceremonyStub(c.env, year).holdName(participantId, identity.shardIndex, displayName);
		} else if (outcome.kind === "updated" && outcome.reviewEnded) {
			await ceremonyStub(c.env, year).releaseName(participantId);
		}
		if (outcome.kind === "region-fixed") {
			throw new Problem(
				409,
				"region-fixed",
				"The region can no longer change",
				"The region is fixed at the first counted action.",
				{
					region: outcome.profile.region,
				},
			);
		}
		return c.json(presentProfile(year, outcome.profile, suggested(requestCountry(c))), 200);
	},
);

participants.openapi(
	createRoute({
		...meDoc,
		method: "delete",
		path: mePath,
		middleware: [requireParticipant],
		operationId: "eraseMe",
		summary: "Erase the participant's name and blessings; their counts stay",
		description:
			"Removes the display name and every blessing text of the participant in this ceremony, from the wall too; the counted actions stay in the totals.",
		request: { params: YearParam },
		responses: {
			204: { description: "Erased" },
			400: invalidYear,
			401: problemContent("`unauthorized`: no valid participant token"),
			404: problemContent("`ceremony-not-found`: no ceremony for that year"),
			503: busy,
		},
	}),
	async (c) => {
		const { year } = c.req.valid("param");
		const participantId = c.get("participantId");
		const { identity, stub } = await participantShard(c.env, year, participantId);
		shardAnswer(year, await stub.erase(identity, participantId));
		await ceremonyStub(c.env, year).eraseParticipant(participantId);
		return c.body(null, 204);
	},
);
