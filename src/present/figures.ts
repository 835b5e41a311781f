import { countsOf } from "../../durable/action-columns";
import type { Figures, RegionFigures, Series } from "../../durable/ceremony-protocol";
import type { Interval, RegionsStats, Stats, Timeseries } from "../schemas/stats";

/** The public shapes of a ceremony's figures: ISO-8601 times, each answer naming its year. */

export const isoOf = (at: number) => new Date(at).toISOString();
export const isoOrNull = (at: number | null) => (at === null ? null : isoOf(at));

export const presentStats = (year: number, f: Figures): Stats => ({
	year,
	participants: f.participants,
	actions: f.actions,
	blessingsPublished: f.blessingsPublished,
	countries: f.countries,
	final: f.final,
	updatedAt: isoOrNull(f.takenAt),
});

export const presentRegions = (year: number, f: RegionFigures): RegionsStats => ({
	year,
	regions: f.regions.map((r) => ({ region: r.region, participants: r.participants, actions: countsOf(r) })),
	final: f.final,
	updatedAt: isoOrNull(f.takenAt),
});

export const presentTimeseries = (year: number, interval: Interval, s: Series): Timeseries => ({
	year,
	interval,
	points: s.points.map((p) => ({ at: isoOf(p.at), actions: p.actions })),
	final: s.final,
});
