import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "./app-env";
import { validationHook } from "./validation";

/** A sub-app whose validation failures become problem+json. */
export const subApp = () => new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

/** The OpenAPI document's own parts; the operations come from the routes. */
export const openApiDocument = (origin: string) => ({
	openapi: "3.1.0",
	info: {
		title: "黄帝故里拜祖大典 online participation API",
		version: "1.0.0",
		description:
			"Participation in the Yellow Emperor Hometown Ancestor Worship Ceremony: offerings, blessings and their " +
			"statistics. Errors are `application/problem+json` (RFC 9457). Public reads are cached for 750 ms at the edge " +
			"and carry an ETag; media partners send `X-API-Key` for a rate limit of their own.",
		contact: { name: "Organizing committee, online participation", url: `${origin}/` },
		license: { name: "Creative Commons Attribution 4.0 (the published figures)", identifier: "CC-BY-4.0" },
	},
	servers: [{ url: origin, description: "This service" }],
	tags: [
		{ name: "ceremonies", description: "The ceremony of a year: its date, window, rites and status" },
		{
			name: "participants",
			description: "Becoming a participant, the profile, the offerings (actions) and the certificate",
		},
		{
			name: "statistics",
			description: "Live and final totals, per country or region and over time, as JSON or CSV (for media)",
		},
		{ name: "blessings", description: "The public blessing wall, and reports of a blessing for review" },
		{ name: "committee", description: "The organizing committee: configuration, live totals, moderation, audit" },
	],
});
