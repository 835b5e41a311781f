import { createMiddleware } from "hono/factory";
import type { AppEnv } from "./app-env";

/**
 * API answers are data, never pages: nothing in them may run, frame or sniff. (They hold no links,
 * so no Referrer-Policy: the pages send theirs, src/pages/headers.ts and public/_headers.)
 */
export const API_HEADERS: Record<string, string> = {
	"content-security-policy": "default-src 'none'; frame-ancestors 'none'",
	"x-content-type-options": "nosniff",
};

/** The response with the API headers it lacks; copied first when its headers are immutable. */
export function withApiHeaders(res: Response, mutable = false): Response {
	const missing = Object.entries(API_HEADERS).filter(([name]) => !res.headers.has(name));
	if (missing.length === 0) return res;
	// A response passed through from a Durable Object has immutable headers: copy it first.
	const out = mutable ? res : new Response(res.body, res);
	for (const [name, value] of missing) out.headers.set(name, value);
	return out;
}

export const securityHeaders = createMiddleware<AppEnv>(async (c, next) => {
	await next();
	// A WebSocket upgrade's headers are the socket's own.
	if (c.res.status === 101) return;
	const res = withApiHeaders(c.res);
	if (res !== c.res) c.res = res;
});
