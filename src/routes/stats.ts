import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { ceremonyStub, loadCeremony } from "../ceremonies";
import type { AppEnv } from "../http/app-env";
import { CSV_TYPE, toCsv } from "../http/csv";
import { cachedData, publicResponse } from "../http/edge-cache";
import { subApp } from "../http/openapi";
import { validationProblem } from "../http/validation";
import { ACTION_TYPES, problemContent, YearParam } from "../schemas/common";
import { Interval, RegionsStats, Stats, Timeseries } from "../schemas/stats";

export const stats = subApp();

const FormatQuery = z.object({
	format: z.enum(["json", "csv"]).optional().openapi({ description: "csv, or send Accept: text/csv" }),
});

const wantsCsv = (c: Context<AppEnv>, format: string | undefined) =>
	format === "csv" || (format === undefined && /\btext\/csv\b/.test(c.req.header("accept") ?? ""));

const publicContent = (schema: z.ZodType) => ({
	"application/json": { schema },
	"text/csv": { schema: z.string() },
});

const counts = (a: { flower: number; incense: number; bow: number; blessing: number }) => ACTION_TYPES.map((t) => a[t]);

stats.openapi(
	createRoute({
		method: "get",
		path: "/api/v1/ceremonies/{year}/stats",
		tags: ["statistics"],
		summary: "Participation totals (cached 1 s at the edge)",
		request: { params: YearParam, query: FormatQuery },
		responses: {
			200: { description: "Totals", content: publicContent(Stats) },
			304: { description: "Not modified" },
			404: problemContent("No such ceremony"),
		},
	}),
	async (c) => {
		const { year } = c.req.valid("param");
		const { format } = c.req.valid("query");
		const data = await cachedData(c, `${year}/stats`, async () => {
			await loadCeremony(c.env, year);
			return ceremonyStub(c.env, year).stats(year);
		});
		if (wantsCsv(c, format)) {
			const csv = toCsv(
				["year", "participants", ...ACTION_TYPES, "blessingsPublished", "countries", "final", "updatedAt"],
				[
					[
						data.year,
						data.participants,
						...counts(data.actions),
						data.blessingsPublished,
						data.countries,
						data.final,
						data.updatedAt,
					],
				],
			);
			return publicResponse(c, csv, CSV_TYPE);
		}
		return publicResponse(c, JSON.stringify(data), "application/json");
	},
);

stats.openapi(
	createRoute({
		method: "get",
		path: "/api/v1/ceremonies/{year}/stats/regions",
		tags: ["statistics"],
		summary: "Participants and offerings per country or region, most participants first",
		request: { params: YearParam, query: FormatQuery },
		responses: {
			200: { description: "Per region", content: publicContent(RegionsStats) },
			304: { description: "Not modified" },
			404: problemContent("No such ceremony"),
		},
	}),
	async (c) => {
		const { year } = c.req.valid("param");
		const { format } = c.req.valid("query");
		const data = await cachedData(c, `${year}/regions`, async () => {
			await loadCeremony(c.env, year);
			return ceremonyStub(c.env, year).regions(year);
		});
		if (wantsCsv(c, format)) {
			const csv = toCsv(
				["region", "participants", ...ACTION_TYPES],
				data.regions.map((r) => [r.region, r.participants, ...counts(r.actions)]),
			);
			return publicResponse(c, csv, CSV_TYPE);
		}
		return publicResponse(c, JSON.stringify(data), "application/json");
	},
);

const Instant = z.iso.datetime({ offset: true });
const TimeseriesQuery = FormatQuery.extend({
	interval: Interval.default("1m"),
	from: Instant.optional().openapi({ description: "Inclusive, ISO-8601; default: 24 hours before `to`" }),
	to: Instant.optional().openapi({ description: "Exclusive, ISO-8601; default: now" }),
});

const HOUR_MS = 3_600_000;
const MAX_SPAN_MS = 31 * 24 * HOUR_MS;

stats.openapi(
	createRoute({
		method: "get",
		path: "/api/v1/ceremonies/{year}/stats/timeseries",
		tags: ["statistics"],
		summary: "Offerings per minute or per hour",
		request: { params: YearParam, query: TimeseriesQuery },
		responses: {
			200: {
				description: "Counts per interval (intervals with none are left out)",
				content: publicContent(Timeseries),
			},
			304: { description: "Not modified" },
			400: problemContent("Invalid range"),
			404: problemContent("No such ceremony"),
		},
	}),
	async (c) => {
		const { year } = c.req.valid("param");
		const query = c.req.valid("query");
		const width = query.interval === "1h" ? HOUR_MS : 60_000;
		// Rounded to whole intervals, so the cache key is shared by everyone asking in the same minute.
		const to = Math.ceil((query.to ? Date.parse(query.to) : Date.now()) / width) * width;
		const from = Math.floor((query.from ? Date.parse(query.from) : to - 24 * HOUR_MS) / width) * width;
		if (from >= to || to - from > MAX_SPAN_MS) {
			throw validationProblem([{ path: ["from"], message: "from must be before to, at most 31 days apart" }], "query");
		}
		const data = await cachedData(c, `${year}/timeseries/${query.interval}/${from}/${to}`, async () => {
			await loadCeremony(c.env, year);
			return ceremonyStub(c.env, year).timeseries(year, query.interval, from, to);
		});
		if (wantsCsv(c, query.format)) {
			const csv = toCsv(
				["at", ...ACTION_TYPES],
				data.points.map((p) => [p.at, ...counts(p.actions)]),
			);
			return publicResponse(c, csv, CSV_TYPE);
		}
		return publicResponse(c, JSON.stringify(data), "application/json");
	},
);
