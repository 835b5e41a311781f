import { z } from "@hono/zod-openapi";
import { ActionType, LocalizedText, Timestamp } from "./common";

const IsoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date such as 2027-04-09");
const IsoInstant = z.iso.datetime({ offset: true }).openapi({ example: "2027-04-09T01:50:00Z" });

export const RiteInput = z
	.object({
		key: z.string().regex(/^[a-z][a-z0-9-]{1,31}$/),
		name: z.object({
			"zh-Hans": z.string().min(1).max(16),
			"zh-Hant": z.string().min(1).max(16).optional(),
			en: z.string().min(1).max(64).optional(),
		}),
		action: z.union([ActionType, z.null()]).default(null),
	})
	.openapi("RiteInput");
export type RiteInput = z.infer<typeof RiteInput>;

export const Rite = z
	.object({
		key: z.string(),
		name: LocalizedText,
		action: z.union([ActionType, z.null()]).openapi({ description: "The action this rite offers, if any" }),
	})
	.openapi("Rite");
export type Rite = z.infer<typeof Rite>;

export const ActionLimits = z
	.object({
		flower: z.number().int().min(0).max(1000),
		incense: z.number().int().min(0).max(1000),
		bow: z.number().int().min(0).max(1000),
		blessing: z.number().int().min(0).max(1000),
	})
	.openapi("ActionLimits", { description: "Counted actions of each type per participant per ceremony" });
export type ActionLimits = z.infer<typeof ActionLimits>;

/** What the committee sends to create or change a ceremony; anything left out keeps its value. */
export const CeremonyInput = z
	.object({
		date: IsoDate.optional(),
		window: z
			.object({ opensAt: IsoInstant, closesAt: IsoInstant })
			.refine((w) => Date.parse(w.opensAt) < Date.parse(w.closesAt), {
				message: "opensAt must be before closesAt",
			})
			.optional(),
		rites: z.array(RiteInput).min(1).max(16).optional(),
		shardCount: z.number().int().min(1).max(1024).optional(),
		limits: ActionLimits.partial().optional(),
		liveStreamUrl: z
			.url({ protocol: /^https$/ })
			.max(500)
			.nullable()
			.optional(),
	})
	.strict()
	.openapi("CeremonyInput");
export type CeremonyInput = z.infer<typeof CeremonyInput>;

/** The stored configuration of a ceremony (times as epoch ms); stored JSON is parsed with it. */
export const CeremonyConfig = z.object({
	year: z.number().int(),
	date: z.string(),
	opensAt: z.number(),
	closesAt: z.number(),
	rites: z.array(Rite),
	shardCount: z.number().int().positive(),
	limits: ActionLimits,
	liveStreamUrl: z.string().nullable(),
	/** Set when the committee closes the ceremony: shards sealed, totals frozen. */
	closedAt: z.number().nullable(),
	/** Configurations stored before versions existed read as version 1. */
	version: z.number().int().default(1),
});
export type CeremonyConfig = z.infer<typeof CeremonyConfig>;

export const CeremonyStatus = z.enum(["scheduled", "open", "closed"]).openapi("CeremonyStatus");
export type CeremonyStatus = z.infer<typeof CeremonyStatus>;

export const Ceremony = z
	.object({
		year: z.number().int(),
		name: LocalizedText,
		sexagenaryYear: z.string().openapi({ example: "丁未" }),
		date: IsoDate,
		window: z.object({ opensAt: Timestamp, closesAt: Timestamp }),
		rites: z.array(Rite),
		liveStreamUrl: z.string().nullable(),
		status: CeremonyStatus,
		shardCount: z.number().int(),
		limits: ActionLimits,
		final: z.boolean(),
		version: z.number().int(),
	})
	.openapi("Ceremony");
export type Ceremony = z.infer<typeof Ceremony>;
