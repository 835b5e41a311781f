import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "./http/app-env";
import { onError, onNotFound } from "./http/errors";
import { limitBody, requireJson } from "./http/guards";
import { openApiDocument } from "./http/openapi";
import { publicCors } from "./http/public-cors";
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

// No I/O: the baseline of the benchmarks. The operators' liveness probe, outside the API document.
app.get("/healthz", (c) => c.text("ok", 200));

app.use("*", securityHeaders);
app.use("/api/*", limitBody, requireJson);
app.on("GET", ["/api/v1/ceremonies/*"], limitPublicReads);
// Cross-origin reads only: a cross-origin write is refused at its preflight (the reads' methods and
// headers), so its answer carries no CORS headers either.
app.on(["GET", "HEAD", "OPTIONS"], ["/api/v1/ceremonies/*"], publicCors);
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
app.openAPIRegistry.registerComponent("securitySchemes", "mediaKey", {
	type: "apiKey",
	in: "header",
	name: "X-API-Key",
	description:
		"A media partner's key from the organizing committee (MEDIA_API_KEYS): public reads under a limit of the partner's own",
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

// The document names the origin it is served from, so a client generated from it calls that service.
app.doc31("/api/openapi.json", (c) => openApiDocument(new URL(c.req.url).origin));
