import { createRoute } from "@hono/zod-openapi";
import { loadCeremony } from "../ceremonies";
import { nextCeremonyYear } from "../domain/calendar";
import { presentCeremony } from "../domain/ceremony";
import { subApp } from "../http/openapi";
import { Ceremony } from "../schemas/ceremony";
import { problemContent, YearParam } from "../schemas/common";

export const ceremonies = subApp();

const headers = { "cache-control": "public, max-age=5", "access-control-allow-origin": "*" };

ceremonies.openapi(
	createRoute({
		method: "get",
		path: "/api/v1/ceremonies/current",
		tags: ["ceremonies"],
		summary: "The ceremony that is open, or else the next one",
		responses: { 200: { description: "The ceremony", content: { "application/json": { schema: Ceremony } } } },
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
		tags: ["ceremonies"],
		summary: "A ceremony: name, date, window, rites, status, shard count",
		request: { params: YearParam },
		responses: {
			200: { description: "The ceremony", content: { "application/json": { schema: Ceremony } } },
			400: problemContent("Invalid year"),
			404: problemContent("No such ceremony"),
		},
	}),
	async (c) => {
		const { year } = c.req.valid("param");
		const now = Date.now();
		return c.json(presentCeremony(await loadCeremony(c.env, year, now), now), 200, headers);
	},
);
