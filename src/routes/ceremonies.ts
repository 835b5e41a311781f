import { createRoute } from "@hono/zod-openapi";
import { loadCeremony } from "../ceremonies";
import { nextCeremonyYear } from "../domain/calendar";
import { presentCeremony } from "../domain/ceremony";
import { subApp } from "../http/openapi";
import { invalidYear, publicOrMediaKey, publicReadAnswers } from "../schemas/answers";
import { Ceremony } from "../schemas/ceremony";
import { problemContent, YearParam } from "../schemas/common";

export const ceremonies = subApp();

const headers = { "cache-control": "public, max-age=5", "access-control-allow-origin": "*" };

ceremonies.openapi(
	createRoute({
		method: "get",
		path: "/api/v1/ceremonies/current",
		operationId: "getCurrentCeremony",
		tags: ["ceremonies"],
		security: publicOrMediaKey,
		summary: "The ceremony that is open, or else the next one",
		description:
			"The ceremony whose window is open now, or else the next one by the lunar calendar (created with the default rites and limits on first use).",
		responses: {
			200: { description: "The ceremony", content: { "application/json": { schema: Ceremony } } },
			...publicReadAnswers,
		},
	}),
	async (c) => {
		const now = Date.now();
		const config = await loadCeremony(c.env, nextCeremonyYear(now), now);
		return c.json(presentCeremony(config, now), 200, headers);
	},
);

ceremonies.openapi(
	createRoute({
		method: "get",
		path: "/api/v1/ceremonies/{year}",
		operationId: "getCeremony",
		tags: ["ceremonies"],
		security: publicOrMediaKey,
		summary: "A ceremony: name, date, window, rites, status, shard count",
		description: "The ceremony of a year, with its status now and whether its totals are final.",
		request: { params: YearParam },
		responses: {
			200: { description: "The ceremony", content: { "application/json": { schema: Ceremony } } },
			400: invalidYear,
			...publicReadAnswers,
			404: problemContent("`ceremony-not-found`: no ceremony for that year"),
		},
	}),
	async (c) => {
		const { year } = c.req.valid("param");
		const now = Date.now();
		return c.json(presentCeremony(await loadCeremony(c.env, year, now), now), 200, headers);
	},
);
