/**
 * The answers the committee console reads, typed by the schemas of the service's OpenAPI document
 * (the types openapi-typescript generates from it, which `npm run api:check` keeps equal to the
 * served document) and checked on arrival (public/shared/answer.js).
 */
import { isRecord, readAnswer, readList } from "../shared/answer.js";

/** @typedef {import("../../examples/media-client/src/api").components["schemas"]} Schemas */
/** @typedef {Schemas["Ceremony"]} Ceremony */
/** @typedef {Schemas["Stats"]} Stats */
/** @typedef {Schemas["Audit"]} Audit */
/** @typedef {Audit["held"]} TreeComparison */
/** @typedef {Schemas["LiveTotals"]} LiveTotals */
/** @typedef {Schemas["ShardHealth"]} ShardHealth */
/** @typedef {Schemas["Timeseries"]} Timeseries */
/** @typedef {Schemas["ModeratedBlessing"]} ModeratedBlessing */
/** @typedef {Schemas["NameUnderReview"]} NameUnderReview */
/** @typedef {Schemas["ActionType"]} ActionType */
/** @typedef {Schemas["ActionCounts"]} ActionCounts */
/** @typedef {Schemas["CeremonyInput"]} CeremonyInput */
/** @typedef {Schemas["RiteInput"]} RiteInput */
/**
 * A page of a moderation queue.
 * @template T
 * @typedef {{items: T[], nextCursor: string | null}} Page
 */

/** @param {unknown} data @returns {Ceremony} */
export const readCeremony = (data) =>
	readAnswer(data, "Ceremony", {
		year: "number",
		name: "object",
		date: "string",
		window: "object",
		rites: "array",
		liveStreamUrl: "string?",
		status: ["scheduled", "open", "closed"],
		shardCount: "number",
		limits: "object",
		final: "boolean",
		version: "number",
	});

/** @param {unknown} data @returns {{name: string}} */
export const readMember = (data) => readAnswer(data, "Member", { name: "string" });

/** @param {unknown} data @returns {Stats} */
export const readStats = (data) =>
	readAnswer(data, "Stats", {
		year: "number",
		participants: "number",
		actions: "object",
		blessingsPublished: "number",
		countries: "number",
		final: "boolean",
		updatedAt: "string?",
	});

/** @param {unknown} data @returns {Audit} */
export function readAudit(data) {
	/** @type {Audit} */
	const audit = readAnswer(data, "Audit", {
		year: "number",
		match: "boolean",
		recount: "object",
		held: "object",
		pulled: "object",
		totals: "object",
		shards: "array",
	});
	readList(audit.shards, "Audit", (s) => readAnswer(s, "Audit shard", { shardIndex: "number", match: "boolean" }));
	for (const c of [audit.held, audit.pulled]) {
		readAnswer(c, "Audit comparison", { match: "boolean", differences: "array" });
		readList(c.differences, "Audit comparison", (d) =>
			readAnswer(d, "Audit difference", {
				scope: ["total", "region", "minute"],
				key: "string?",
				metric: "string",
				recount: "number",
				tree: "number",
			}),
		);
	}
	return audit;
}

/** @param {unknown} data @returns {{ticket: string}} */
export const readTicket = (data) => readAnswer(data, "LiveTicket", { ticket: "string" });

/** @param {unknown} data @returns {ShardHealth} */
const readShard = (data) =>
	readAnswer(data, "ShardHealth", {
		shardIndex: "number",
		version: "number",
		takenAt: "string",
		ageMs: "number",
		lagMs: "number",
		participants: "number",
		actions: "object",
		sealed: "boolean",
	});

/** @param {unknown} data @returns {{region: string, participants: number}} */
const readRegion = (data) => readAnswer(data, "region", { region: "string", participants: "number" });

/**
 * A message on the live socket: totals, a pong, or something this page does not know (null).
 * @param {unknown} data
 * @returns {{type: "totals", totals: LiveTotals} | {type: "pong", changedAt: string | null} | null}
 */
export function readLiveMessage(data) {
	if (!isRecord(data)) return null;
	if (data.type === "pong")
		return { type: "pong", changedAt: typeof data.changedAt === "string" ? data.changedAt : null };
	if (data.type !== "totals") return null;
	/** @type {LiveTotals} */
	const totals = readAnswer(data, "LiveTotals", {
		at: "string",
		stats: "object",
		ratePerSecond: "number",
		regions: "array",
		overseasShare: "number",
		shards: "array",
		queue: "object",
	});
	readStats(totals.stats);
	readList(totals.regions, "LiveTotals", readRegion);
	readList(totals.shards, "LiveTotals", readShard);
	readAnswer(totals.queue, "LiveTotals queue", { held: "number", reported: "number" });
	return { type: "totals", totals };
}

/** @param {unknown} data @returns {Timeseries} */
export function readTimeseries(data) {
	/** @type {Timeseries} */
	const series = readAnswer(data, "Timeseries", {
		year: "number",
		interval: ["1m", "1h"],
		points: "array",
		final: "boolean",
	});
	readList(series.points, "Timeseries", (p) => readAnswer(p, "TimeseriesPoint", { at: "string", actions: "object" }));
	return series;
}

/** @param {unknown} data @returns {ModeratedBlessing} */
export const readModeratedBlessing = (data) =>
	readAnswer(data, "ModeratedBlessing", {
		id: "string",
		text: "object",
		displayName: "string?",
		region: "string?",
		createdAt: "string",
		state: ["published", "held", "hidden"],
		reports: "number",
		moderatedBy: "string?",
		moderatedAt: "string?",
	});

/** @param {unknown} data @returns {NameUnderReview} */
export const readNameUnderReview = (data) =>
	readAnswer(data, "NameUnderReview", {
		participantId: "string",
		displayName: "string",
		state: ["published", "held", "hidden"],
		createdAt: "string",
		moderatedBy: "string?",
		moderatedAt: "string?",
	});

/**
 * @template T
 * @param {unknown} data
 * @param {(item: unknown) => T} read
 * @returns {Page<T>}
 */
export function readPage(data, read) {
	/** @type {{items: unknown[], nextCursor: string | null}} */
	const page = readAnswer(data, "page", { items: "array", nextCursor: "string?" });
	return { items: readList(page.items, "page", read), nextCursor: page.nextCursor };
}
