import type { ActionOutcome, ActionRequest } from "../../durable/shard-protocol";
import { forgetCeremony } from "../ceremonies";
import { BLESSING_MAX_LENGTH, normaliseText, prepareBlessing, textLength } from "../domain/blessing-text";
import { statusOf } from "../domain/ceremony";
import { actionId } from "../domain/shard-routing";
import { holdWordsOf } from "../hold-words";
import { unavailable } from "../http/errors";
import { Problem } from "../http/problem";
import { API_HEADERS } from "../http/security-headers";
import { validationProblem } from "../http/validation";
import type { ActionAccepted, ActionInput } from "../schemas/action";
import type { CeremonyConfig } from "../schemas/ceremony";
import { batchSettings, performBatched } from "../shard-batcher";
import { certificateUrl, participantShard } from "./participant-shard";

/** A validated action from an authenticated participant, under the per-participant limit. */
export interface ActionCall {
	env: Env;
	waitUntil: (promise: Promise<unknown>) => void;
	year: number;
	participantId: string;
	idempotencyKey: string;
	input: ActionInput;
	country: string;
}

function normalisedMessage(message: string | undefined): string | null {
	if (message === undefined) return null;
	const text = normaliseText(message);
	if (text === "" || textLength(text) > BLESSING_MAX_LENGTH) {
		throw validationProblem(
			[{ path: ["message"], message: `must be 1 to ${BLESSING_MAX_LENGTH} characters after normalisation` }],
			"body",
		);
	}
	return text;
}

/**
 * The body as sent (normalised, in the script it was written in), so a key reused with another
 * body, even the same words in the other script, is told apart from a retry.
 */
const bodyOf = (type: string, message: string | null): string => `${type}\n${message ?? ""}`;

/**
 * The headers of a counted action's answer, whole: the app's middleware and the route ahead of it
 * find nothing to add, and the answer is built with one call. Made once as a `Headers`, which the
 * runtime copies into each answer: from a list of pairs it converted every pair at every answer
 * (26 against 6 µs of workerd's CPU an answer, `npm run bench:runtime`).
 */
const ACCEPTED_HEADERS = new Headers([
	["content-type", "application/json"],
	["cache-control", "no-store"],
	...Object.entries(API_HEADERS),
]);

/** The shard's outcome as the answer: 201 for a counted action; every refusal is a Problem for onError. */
const outsideWindow = (config: CeremonyConfig) =>
	new Problem(403, "outside-window", "Not open", "The ceremony is not open for online participation now.", {
		window: { opensAt: new Date(config.opensAt).toISOString(), closesAt: new Date(config.closesAt).toISOString() },
	});

function respond(config: CeremonyConfig, participantId: string, shardIndex: number, outcome: ActionOutcome): Response {
	const year = config.year;
	const certificate = (number: number) => ({ number, url: certificateUrl(year, participantId) });
	switch (outcome.kind) {
		case "accepted": {
			const body: ActionAccepted = {
				actionId: actionId(shardIndex, outcome.seq),
				type: outcome.type,
				certificate: certificate(outcome.certificate),
			};
			return new Response(JSON.stringify(body), { status: 201, headers: ACCEPTED_HEADERS });
		}
		case "over-limit":
			throw new Problem(
				409,
				"action-limit",
				"Already offered",
				`This participant has already made every ${outcome.type} this ceremony allows.`,
				{
					actionType: outcome.type,
					certificate: outcome.certificate === null ? null : certificate(outcome.certificate),
				},
			);
		case "key-reused":
			throw new Problem(
				422,
				"idempotency-key-reused",
				"Idempotency-Key already used for another request",
				"Use a new Idempotency-Key for a new action.",
			);
		case "erased":
			throw new Problem(
				410,
				"erased",
				"Erased",
				"The participant erased this action's blessing; nothing about it can be confirmed.",
			);
		case "sealed":
			throw new Problem(403, "ceremony-closed", "The ceremony is closed");
		case "outside-window":
			throw outsideWindow(config);
		case "wrong-shard":
			forgetCeremony(year);
			throw unavailable(outcome.detail);
		case "stale-config":
			forgetCeremony(config.year);
			throw unavailable("The ceremony's configuration changed; retry with the same Idempotency-Key.");
	}
}

/** Takes the action at the participant's shard: the 201 answer, or a Problem thrown for onError. */
export async function performAction(call: ActionCall): Promise<Response> {
	const { env, year, participantId, idempotencyKey, input } = call;
	const message = normalisedMessage(input.message);
	const blessing = message === null ? null : prepareBlessing(message, holdWordsOf(env));
	const body = bodyOf(input.type, message);
	// A shard that knows a newer configuration answers "stale": refresh the copy once and retry.
	for (let attempt = 0; ; attempt++) {
		const shard = await participantShard(env, year, participantId);
		const { config, identity } = shard;
		const status = statusOf(config, Date.now());
		// Before the window nothing can be a replay; after it, the shard still answers replays.
		if (status === "scheduled") throw outsideWindow(config);
		const request: ActionRequest = {
			participantId,
			idempotencyKey,
			type: input.type,
			body,
			blessing,
			limit: config.limits[input.type],
			country: call.country,
			replayOnly: status !== "open",
		};
		const outcome = await performBatched(
			identity,
			request,
			(id, requests) => shard.stub.perform(id, requests),
			batchSettings(env),
			call.waitUntil,
		);
		if (outcome.kind === "stale-config" && attempt === 0) {
			forgetCeremony(year);
			continue;
		}
		return respond(config, participantId, identity.shardIndex, outcome);
	}
}
