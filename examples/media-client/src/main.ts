// A media developer's client of the statistics and the blessing wall: types generated from the
// service's OpenAPI document with openapi-typescript (src/api.d.ts), calls made with openapi-fetch.
//   BAIZU_API      the service, e.g. https://baizu.example.org (default: a local `npm start`)
//   BAIZU_API_KEY  a media key from the organizing committee (optional: a rate limit of your own)
import createClient from "openapi-fetch";
import type { components, paths } from "./api.js";

type Problem = components["schemas"]["Problem"];

const baseUrl = process.env.BAIZU_API ?? "http://127.0.0.1:8787";
const apiKey = process.env.BAIZU_API_KEY;
const api = createClient<paths>({ baseUrl, headers: apiKey ? { "X-API-Key": apiKey } : {} });

class ApiError extends Error {
	constructor(operation: string, problem: Problem) {
		super(`${operation}: ${problem.status} ${problem.title}${problem.detail ? ` (${problem.detail})` : ""}`);
	}
}

const { data: ceremony, error: ceremonyError } = await api.GET("/api/v1/ceremonies/current");
if (ceremonyError) throw new ApiError("getCurrentCeremony", ceremonyError);
const year = ceremony.year;
const path = { year };

// Totals: one JSON object.
const { data: totals, error: totalsError } = await api.GET("/api/v1/ceremonies/{year}/stats", { params: { path } });
if (totalsError) throw new ApiError("getStats", totalsError);
const offerings = totals.actions.flower + totals.actions.incense + totals.actions.bow + totals.actions.blessing;
console.log(`${ceremony.name.en} (${ceremony.status}): ${totals.participants} participants, ${offerings} offerings`);

// Per country or region, most participants first.
const { data: regions, error: regionsError } = await api.GET("/api/v1/ceremonies/{year}/stats/regions", {
	params: { path },
});
if (regionsError) throw new ApiError("getRegionStats", regionsError);
for (const region of regions.regions.slice(0, 5)) console.log(`  ${region.region}: ${region.participants}`);

// Offerings per hour over the last 24 hours.
const { data: series, error: seriesError } = await api.GET("/api/v1/ceremonies/{year}/stats/timeseries", {
	params: { path, query: { interval: "1h" } },
});
if (seriesError) throw new ApiError("getTimeseries", seriesError);
for (const point of series.points) console.log(`  ${point.at}: ${point.actions.flower} flower baskets`);

// The same totals as CSV, for a spreadsheet: a documented operation of its own, read as text.
const { data: csv, error: csvError } = await api.GET("/api/v1/ceremonies/{year}/stats.csv", {
	params: { path },
	parseAs: "text",
});
if (csvError) throw new ApiError("getStatsCsv", csvError);
console.log(csv.trim());

// The blessing wall, newest first, page by page until nextCursor is null.
const blessings: Array<components["schemas"]["Blessing"]> = [];
let cursor: string | undefined;
let pages = 0;
do {
	const { data: page, error } = await api.GET("/api/v1/ceremonies/{year}/blessings", {
		params: { path, query: { limit: 2, cursor } },
	});
	if (error) throw new ApiError("listBlessings", error);
	blessings.push(...page.items);
	pages += 1;
	cursor = page.nextCursor ?? undefined;
} while (cursor !== undefined);
for (const blessing of blessings) console.log(`  ${blessing.createdAt} ${blessing.text["zh-Hans"]}`);

// A summary line for scripts.
console.log(
	JSON.stringify({
		year,
		participants: totals.participants,
		regions: regions.regions.length,
		points: series.points.length,
		blessings: blessings.length,
		pages,
	}),
);
