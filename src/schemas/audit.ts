import { z } from "@hono/zod-openapi";
import { ActionCounts } from "./common";

export const Tally = z.object({
	participants: z.number().int(),
	actions: ActionCounts,
	blessingsPublished: z.number().int(),
});
export type Tally = z.infer<typeof Tally>;

export const ShardAudit = z.object({
	shardIndex: z.number().int(),
	version: z.number().int(),
	recount: Tally,
	counters: Tally,
	regionsMatch: z.boolean(),
	minutesMatch: z.boolean(),
	match: z.boolean(),
});
export type ShardAudit = z.infer<typeof ShardAudit>;

/** One figure on which the recount and the tree disagree. */
export const AuditDifference = z.object({
	scope: z.enum(["total", "region", "minute"]),
	key: z
		.string()
		.nullable()
		.openapi({ description: "The region's code, or the minute's start (ISO 8601); null for a total" }),
	metric: z.string().openapi({ description: "`participants`, an action type, or `blessingsPublished`" }),
	recount: z.number().int(),
	tree: z.number().int(),
});
export type AuditDifference = z.infer<typeof AuditDifference>;

export const TreeComparison = z.object({
	match: z.boolean(),
	differences: z.array(AuditDifference).openapi({ description: "At most 100, totals first" }),
});
export type TreeComparison = z.infer<typeof TreeComparison>;

export const Audit = z
	.object({
		year: z.number().int(),
		match: z.boolean().openapi({
			description:
				"Every shard's counters match its log, and after the pull the tree and the public totals match the recount",
		}),
		recount: Tally.openapi({ description: "Recounted from the shards' durable action logs" }),
		held: TreeComparison.openapi({
			description:
				"The recount compared with what the CeremonyDO held before the audit pulled anything: totals, regions and the minute series. A difference here is a snapshot not yet delivered (or lost).",
		}),
		pulled: TreeComparison.openapi({
			description: "The same comparison after the audit pulled every shard through its aggregator",
		}),
		totals: Tally.openapi({ description: "The totals readers see, after the pull" }),
		certificatesLeased: z.number().int(),
		shards: z.array(ShardAudit),
	})
	.openapi("Audit");
export type Audit = z.infer<typeof Audit>;
