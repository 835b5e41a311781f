import { verifyParticipantToken } from "../auth/participant-token";
import { countryOf } from "../http/country";
import { errorResponse } from "../http/errors";
import { bearer, MAX_BODY_BYTES } from "../http/guards";
import { checkActionLimit } from "../http/rate-limits";
import { checkSecret } from "../http/secrets";
import { withApiHeaders } from "../http/security-headers";
import { ActionInput, IdempotencyKeyHeader } from "../schemas/action";
import { YearParam } from "../schemas/common";
import { performAction } from "./action-perform";

/**
 * `POST /api/v1/ceremonies/{year}/actions` ahead of the app: nearly every request of a ceremony
 * is an action, and the general router and middleware were a seventh of its CPU. The same checks
 * run here with the same schemas; a request that fails any check before the rate limit is handed
 * to the app untouched (its body given back), so every refusal is the app's own answer, and
 * every answer carries the headers the app's middleware would add.
 */
const ACTION_PATH = /^\/api\/v1\/ceremonies\/(\d{4})\/actions$/;
/** The app's `requireJson`, for the one content type an action may have. */
const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

export type Fallback = (request: Request) => Response | Promise<Response>;

/** The year in the path of an action request, or null for any other request. */
export function actionYear(request: Request): string | null {
	if (request.method !== "POST") return null;
	const url = request.url;
	const start = url.indexOf("/", url.indexOf("//") + 2);
	if (start < 0) return null;
	return ACTION_PATH.exec(url.slice(start))?.[1] ?? null;
}

export async function takeAction(
	request: Request,
	year: string,
	env: Env,
	ctx: ExecutionContext,
	fallback: Fallback,
): Promise<Response> {
	const length = Number(request.headers.get("content-length") ?? Number.NaN);
	if (!(length > 0 && length <= MAX_BODY_BYTES) || !JSON_TYPE.test(request.headers.get("content-type") ?? "")) {
		return fallback(request);
	}
	try {
		checkSecret(env, "PARTICIPANT_TOKEN_SECRET");
	} catch {
		return fallback(request);
	}
	const token = bearer(request.headers.get("authorization"));
	const participantId = token ? await verifyParticipantToken(token, env.PARTICIPANT_TOKEN_SECRET) : null;
	const param = YearParam.safeParse({ year });
	const header = IdempotencyKeyHeader.safeParse({
		"idempotency-key": request.headers.get("idempotency-key") ?? undefined,
	});
	if (participantId === null || !param.success || !header.success) return fallback(request);
	const text = await request.text();
	let input: ReturnType<typeof ActionInput.safeParse>;
	try {
		input = ActionInput.safeParse(JSON.parse(text));
	} catch {
		return fallback(new Request(request, { body: text }));
	}
	if (!input.success) return fallback(new Request(request, { body: text }));

	try {
		await checkActionLimit(env, participantId);
		// A counted action's answer comes with every header it needs.
		return await performAction({
			env,
			waitUntil: (promise) => ctx.waitUntil(promise),
			year: param.data.year,
			participantId,
			idempotencyKey: header.data["idempotency-key"],
			input: input.data,
			country: countryOf(request, env),
		});
	} catch (error) {
		// The refusal is built here, so its headers can be set in place.
		return withApiHeaders(errorResponse(error, request.method, new URL(request.url).pathname), true);
	}
}
