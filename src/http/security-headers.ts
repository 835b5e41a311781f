import { createMiddleware } from "hono/factory";
import type { AppEnv } from "./app-env";

/** API answers are data, never pages: nothing in them may run, frame or sniff. */
const API_HEADERS: Record<string, string> = {
	"content-security-policy": "default-src 'none'; frame-ancestors 'none'",
	"x-content-type-options": "nosniff",
	"referrer-policy": "strict-origin-when-cross-origin",
};

export const securityHeaders = createMiddleware<AppEnv>(async (c, next) => {
	await next();
	// A WebSocket upgrade's headers are the socket's own.
	if (c.res.status === 101) return;
	const missing = Object.entries(API_HEADERS).filter(([name]) => !c.res.headers.has(name));
	if (missing.length === 0) return;
	// A response passed through from a Durable Object has immutable headers: copy it first.
	const res = new Response(c.res.body, c.res);
	for (const [name, value] of missing) res.headers.set(name, value);
	c.res = res;
});
