import { z } from "@hono/zod-openapi";
import { ActionCounts, Timestamp } from "./common";

export const Stats = z
	.object({
		year: z.number().int(),
		participants: z.number().int().openapi({ description: "Distinct participants with a counted action" }),
		actions: ActionCounts,
		blessingsPublished: z.number().int().openapi({ description: "Blessings on the public wall" }),
		countries: z.number().int().openapi({ description: "Countries and regions with a participant" }),
		final: z.boolean().openapi({ description: "True once the ceremony is closed and its totals frozen" }),
		updatedAt: Timestamp.nullable().openapi({ description: "When the newest shard snapshot was taken" }),
	})
	.openapi("Stats");
export type Stats = z.infer<typeof Stats>;

export const RegionStats = z
	.object({
		region: z.string().openapi({ description: "ISO 3166-1 alpha-2; XX where unknown" }),
		participants: z.number().int(),
		actions: ActionCounts,
	})
	.openapi("RegionStats");

export const RegionsStats = z
	.object({
		year: z.number().int(),
		regions: z.array(RegionStats),
		final: z.boolean(),
		updatedAt: Timestamp.nullable().openapi({ description: "When the newest shard snapshot was taken" }),
	})
	.openapi("RegionsStats");
export type RegionsStats = z.infer<typeof RegionsStats>;

export const Interval = z.enum(["1m", "1h"]).openapi({ description: "A minute or an hour" });
export type Interval = z.infer<typeof Interval>;

export const TimeseriesPoint = z
	.object({ at: Timestamp.openapi({ description: "Start of the interval" }), actions: ActionCounts })
	.openapi("TimeseriesPoint");

export const Timeseries = z
	.object({ year: z.number().int(), interval: Interval, points: z.array(TimeseriesPoint), final: z.boolean() })
	.openapi("Timeseries");
export type Timeseries = z.infer<typeof Timeseries>;
