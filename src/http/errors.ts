import type { ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { AppEnv } from "./app-env";
import { Problem, problemResponse } from "./problem";

/** Durable Object errors the platform marks as worth retrying: the client retries with its key. */
export function isRetryable(error: unknown): boolean {
	if (typeof error !== "object" || error === null) return false;
	const flags = error as { retryable?: boolean; overloaded?: boolean };
	return flags.retryable === true || flags.overloaded === true;
}

export const unavailable = (detail: string) =>
	new Problem(503, "unavailable", "Busy: please retry", detail, {}, { "retry-after": "1" });

/** The one place an error becomes a response: always problem+json. */
export const onError: ErrorHandler<AppEnv> = (error, c) => errorResponse(error, c.req.method, c.req.path);

/** An error as its problem+json answer (the app's `onError`, and the action route ahead of the app). */
export function errorResponse(error: unknown, method: string, path: string): Response {
	if (error instanceof Problem) return problemResponse(error.body, error.headers);
	if (isRetryable(error)) {
		const problem = unavailable("The service is busy; retry with the same Idempotency-Key.");
		return problemResponse(problem.body, problem.headers);
	}
	if (error instanceof HTTPException) {
		// Hono's own refusals, such as a body that is not JSON at all.
		const status = error.status;
		return problemResponse({
			type: status === 400 ? "/problems/malformed-request" : `/problems/http-${status}`,
			title: status === 400 ? "Malformed request" : "Request refused",
			status,
			...(error.message ? { detail: error.message } : {}),
		});
	}
	console.error(`unhandled error on ${method} ${path}`, error);
	return problemResponse({ type: "/problems/internal", title: "Internal error", status: 500 });
}

export const onNotFound: NotFoundHandler<AppEnv> = (c) =>
	problemResponse({
		type: "/problems/not-found",
		title: "Not found",
		status: 404,
		detail: `No resource at ${c.req.method} ${c.req.path}.`,
	});
