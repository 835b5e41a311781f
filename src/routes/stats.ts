import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { ceremonyAnswer, ceremonyStub, loadCeremony } from "../ceremonies";
import type { AppEnv } from "../http/app-env";
import { CSV_TYPE, toCsv } from "../http/csv";
import { cachedData, publicResponse } from "../http/edge-cache";
import { subApp } from "../http/openapi";
import { validationProblem } from "../http/validation";
import { presentRegions, presentStats, presentTimeseries } from "../present/figures";
import { invalidYear, publicOrMediaKey, publicReadAnswers } from "../schemas/answers";
import { ACTION_TYPES, problemContent, YearParam } from "../schemas/common";
import { Interval, RegionsStats, Stats, Timeseries } from "../schemas/stats";

export const stats = subApp();

/**
 * The JSON operations also answer CSV for `?format=csv` or `Accept: text/csv` (kept for existing
 * links and spreadsheets); the document gives CSV its own operations, so that each operation has one
 * representation and a generated client one type.
 */
function wantsCsv(c: Context<AppEnv>): boolean {
	const format = c.req.query("format");
	if (format !== undefined && format !== "json" && format !== "csv") {
		throw validationProblem([{ path: ["format"], message: "must be json or csv" }], "query");
	}
	return format === "csv" || (format === undefined && /\btext\/csv\b/.test(c.req.header("accept") ?? ""));
}

const counts = (a: { flower: number; incense: number; bow: number; blessing: number }) => ACTION_TYPES.map((t) => a[t]);

const statsCsv = (data: Stats) =>
	toCsv(
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

const regionsCsv = (data: RegionsStats) =>
	toCsv(
		["region", "participants", ...ACTION_TYPES],
		data.regions.map((r) => [r.region, r.participants, ...counts(r.actions)]),
	);

const timeseriesCsv = (data: Timeseries) =>
	toCsv(
		["at", ...ACTION_TYPES],
		data.points.map((p) => [p.at, ...counts(p.actions)]),
	);

const csvContent = (header: string) => ({
	"text/csv": {
		schema: z.string().openapi({
			description: "UTF-8 CSV with a header row; a field a spreadsheet would read as a formula starts with `'`",
			example: `${header}\r\n`,
		}),
	},
});

const invalidYearOrFormat = problemContent(
	"`validation`: an invalid year, or a `format` other than json or csv (the CSV convenience)",
);
const notModified = { description: "Not modified: the `If-None-Match` ETag is current" };
const noCeremony = problemContent("`ceremony-not-found`: no ceremony for that year");

/** The documentation shared by an operation's JSON and CSV forms. */
const statisticsRoute = {
	method: "get" as const,
	tags: ["statistics"],
	security: publicOrMediaKey,
};

const loadStats = (c: Context<AppEnv>, year: number) =>
	cachedData(c, `${year}/stats`, async () => {
		await loadCeremony(c.env, year);
		return presentStats(year, ceremonyAnswer(await ceremonyStub(c.env, year).stats(year)).figures);
	});

const STATS_DESCRIPTION =
	"Distinct participants, offerings of each type, published blessings and countries or regions. Totals lag acknowledged actions by at most 2 s; `final` once the ceremony is closed. Cached for 750 ms at the edge, with an ETag.";

stats.openapi(
	createRoute({
		...statisticsRoute,
		path: "/api/v1/ceremonies/{year}/stats",
		operationId: "getStats",
		summary: "Participation totals",
		description: `${STATS_DESCRIPTION} The same as CSV: \`getStatsCsv\`.`,
		request: { params: YearParam },
		responses: {
			200: { description: "Totals", content: { "application/json": { schema: Stats } } },
			304: notModified,
			400: invalidYearOrFormat,
			...publicReadAnswers,
			404: noCeremony,
		},
	}),
	async (c) => {
		const { year } = c.req.valid("param");
		const data = await loadStats(c, year);
		if (wantsCsv(c)) return publicResponse(c, statsCsv(data), CSV_TYPE);
		return publicResponse(c, JSON.stringify(data), "application/json");
	},
);

stats.openapi(
	createRoute({
		...statisticsRoute,
		path: "/api/v1/ceremonies/{year}/stats.csv",
		operationId: "getStatsCsv",
		summary: "Participation totals as CSV",
		description: `${STATS_DESCRIPTION} One row, the columns of \`getStats\` with the actions spread out.`,
		request: { params: YearParam },
		responses: {
			200: {
				description: "Totals",
				content: csvContent(
					"year,participants,flower,incense,bow,blessing,blessingsPublished,countries,final,updatedAt",
				),
			},
			304: notModified,
			400: invalidYear,
			...publicReadAnswers,
			404: noCeremony,
		},
	}),
	async (c) => {
		const { year } = c.req.valid("param");
		return publicResponse(c, statsCsv(await loadStats(c, year)), CSV_TYPE);
	},
);

const loadRegions = (c: Context<AppEnv>, year: number) =>
	cachedData(c, `${year}/regions`, async () => {
		await loadCeremony(c.env, year);
		return presentRegions(year, ceremonyAnswer(await ceremonyStub(c.env, year).regions(year)).regions);
	});

const REGIONS_DESCRIPTION =
	"Participants and offerings per country or region (ISO 3166-1 alpha-2, `XX` where unknown), most participants first. A participant's region is fixed at their first counted action. Cached for 750 ms at the edge, with an ETag.";

stats.openapi(
	createRoute({
		...statisticsRoute,
		path: "/api/v1/ceremonies/{year}/stats/regions",
		operationId: "getRegionStats",
		summary: "Participants and offerings per country or region, most participants first",
		description: `${REGIONS_DESCRIPTION} The same as CSV: \`getRegionStatsCsv\`.`,
		request: { params: YearParam },
		responses: {
			200: { description: "Per region", content: { "application/json": { schema: RegionsStats } } },
			304: notModified,
			400: invalidYearOrFormat,
			...publicReadAnswers,
			404: noCeremony,
		},
	}),
	async (c) => {
		const { year } = c.req.valid("param");
		const data = await loadRegions(c, year);
		if (wantsCsv(c)) return publicResponse(c, regionsCsv(data), CSV_TYPE);
		return publicResponse(c, JSON.stringify(data), "application/json");
	},
);

stats.openapi(
	createRoute({
		...statisticsRoute,
		path: "/api/v1/ceremonies/{year}/stats/regions.csv",
		operationId: "getRegionStatsCsv",
		summary: "Participants and offerings per country or region as CSV",
		description: `${REGIONS_DESCRIPTION} One row per region.`,
		request: { params: YearParam },
		responses: {
			200: { description: "Per region", content: csvContent("region,participants,flower,incense,bow,blessing") },
			304: notModified,
			400: invalidYear,
			...publicReadAnswers,
			404: noCeremony,
		},
	}),
	async (c) => {
		const { year } = c.req.valid("param");
		return publicResponse(c, regionsCsv(await loadRegions(c, year)), CSV_TYPE);
	},
);

const Instant = z.iso.datetime({ offset: true });
const TimeseriesQuery = z.object({
	interval: Interval.default("1m"),
	from: Instant.optional().openapi({ description: "Inclusive, ISO-8601; default: 24 hours before `to`" }),
	to: Instant.optional().openapi({ description: "Exclusive, ISO-8601; default: now" }),
});
type TimeseriesQuery = z.infer<typeof TimeseriesQuery>;

const HOUR_MS = 3_600_000;
const MAX_SPAN_MS = 31 * 24 * HOUR_MS;

function loadTimeseries(c: Context<AppEnv>, year: number, query: TimeseriesQuery) {
	const width = query.interval === "1h" ? HOUR_MS : 60_000;
	// Rounded to whole intervals, so the cache key is shared by everyone asking in the same minute.
	const to = Math.ceil((query.to ? Date.parse(query.to) : Date.now()) / width) * width;
	const from = Math.floor((query.from ? Date.parse(query.from) : to - 24 * HOUR_MS) / width) * width;
	if (from >= to || to - from > MAX_SPAN_MS) {
		throw validationProblem([{ path: ["from"], message: "from must be before to, at most 31 days apart" }], "query");
	}
	return cachedData(c, `${year}/timeseries/${query.interval}/${from}/${to}`, async () => {
		await loadCeremony(c.env, year);
		const { series } = ceremonyAnswer(await ceremonyStub(c.env, year).timeseries(year, query.interval, from, to));
		return presentTimeseries(year, query.interval, series);
	});
}

const TIMESERIES_DESCRIPTION =
	"Offerings of each type per minute or per hour, intervals without any left out; by default the last 24 hours, at most 31 days at once. Cached for 750 ms at the edge, with an ETag.";
const invalidRange = problemContent("`validation`: an invalid year, interval, range or `format`");

stats.openapi(
	createRoute({
		...statisticsRoute,
		path: "/api/v1/ceremonies/{year}/stats/timeseries",
		operationId: "getTimeseries",
		summary: "Offerings per minute or per hour",
		description: `${TIMESERIES_DESCRIPTION} The same as CSV: \`getTimeseriesCsv\`.`,
		request: { params: YearParam, query: TimeseriesQuery },
		responses: {
			200: {
				description: "Counts per interval (intervals with none are left out)",
				content: { "application/json": { schema: Timeseries } },
			},
			304: notModified,
			400: invalidRange,
			...publicReadAnswers,
			404: noCeremony,
		},
	}),
	async (c) => {
		const { year } = c.req.valid("param");
		const data = await loadTimeseries(c, year, c.req.valid("query"));
		if (wantsCsv(c)) return publicResponse(c, timeseriesCsv(data), CSV_TYPE);
		return publicResponse(c, JSON.stringify(data), "application/json");
	},
);

stats.openapi(
	createRoute({
		...statisticsRoute,
		path: "/api/v1/ceremonies/{year}/stats/timeseries.csv",
		operationId: "getTimeseriesCsv",
		summary: "Offerings per minute or per hour as CSV",
		description: `${TIMESERIES_DESCRIPTION} One row per interval.`,
		request: { params: YearParam, query: TimeseriesQuery },
		responses: {
			200: {
				description: "Counts per interval (intervals with none are left out)",
				content: csvContent("at,flower,incense,bow,blessing"),
			},
			304: notModified,
			400: invalidRange,
			...publicReadAnswers,
			404: noCeremony,
		},
	}),
	async (c) => {
		const { year } = c.req.valid("param");
		return publicResponse(c, timeseriesCsv(await loadTimeseries(c, year, c.req.valid("query"))), CSV_TYPE);
	},
);
