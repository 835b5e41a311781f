import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { cors } from "hono/cors";
import type { AppEnv } from "./http/app-env";
import { onError, onNotFound } from "./http/errors";
import { limitBody, requireJson } from "./http/guards";
import { limitPublicReads } from "./http/rate-limits";
import { securityHeaders } from "./http/security-headers";
import { validationHook } from "./http/validation";
import { actions } from "./routes/actions";
import { admin } from "./routes/admin";
import { adminLive } from "./routes/admin-live";
import { adminModeration } from "./routes/admin-moderation";
import { blessings } from "./routes/blessings";
import { ceremonies } from "./routes/ceremonies";
import { certificates } from "./routes/certificates";
import { pages } from "./routes/pages";
import { participants } from "./routes/participants";
import { share } from "./routes/share";
import { stats } from "./routes/stats";

export const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

app.onError(onError);
app.notFound(onNotFound);

// No I/O: the baseline of the benchmarks.
app.openapi(
	createRoute({
		method: "get",
		path: "/healthz",
		tags: ["service"],
		summary: "Liveness: `ok`, with no I/O",
		responses: { 200: { description: "Alive", content: { "text/plain": { schema: z.literal("ok") } } } },
	}),
	(c) => c.text("ok", 200),
);

app.use("*", securityHeaders);
app.use("/api/*", limitBody, requireJson);
app.on("GET", ["/api/v1/ceremonies/*"], limitPublicReads);
// Any site may read the public figures, with a media key too; answers carry no cookies.
app.use(
	"/api/v1/ceremonies/*",
	cors({
		origin: "*",
		allowMethods: ["GET", "HEAD", "OPTIONS"],
		allowHeaders: ["X-API-Key", "If-None-Match", "Accept"],
		exposeHeaders: ["ETag", "Retry-After"],
		maxAge: 86_400,
	}),
);
app.route("/", ceremonies);
app.route("/", participants);
app.route("/", actions);
app.route("/", stats);
app.route("/", blessings);
app.route("/", certificates);
app.route("/", admin);
app.route("/", adminLive);
app.route("/", adminModeration);
app.route("/", pages);
app.route("/", share);

app.openAPIRegistry.registerComponent("securitySchemes", "participantToken", {
	type: "http",
	scheme: "bearer",
	description: "The token from POST /api/v1/participants",
});
app.openAPIRegistry.registerComponent("securitySchemes", "committeeToken", {
	type: "http",
	scheme: "bearer",
	description: "A committee member's token from COMMITTEE_TOKENS",
});
// The documentation page is a static asset (public/api-docs/) that renders the document below.
const DOCS_CSP =
	"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";
app.get("/api/docs", async (c) => {
	const page = await c.env.ASSETS.fetch(new Request(new URL("/api-docs/", c.req.url)));
	const res = new Response(page.body, page);
	res.headers.set("content-security-policy", DOCS_CSP);
	return res;
});

app.doc31("/api/openapi.json", {
	openapi: "3.1.0",
	info: {
		title: "黄帝故里拜祖大典 online participation API",
		version: "1.0.0",
		description:
			"Participation in the Yellow Emperor Hometown Ancestor Worship Ceremony. Errors are application/problem+json (RFC 9457).",
	},
});
