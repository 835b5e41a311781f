import { z } from "zod";
import { ACTION_TYPES, ActionCounts } from "../src/schemas/common";

/**
 * What travels up the aggregation tree (shard → aggregator → CeremonyDO). Every level sends the
 * same shape: absolute counters at a version, so an old or repeated snapshot changes nothing.
 */

export const RegionCounts = z.object({ region: z.string(), participants: z.number().int(), ...ActionCounts.shape });
export type RegionCounts = z.infer<typeof RegionCounts>;

export const MinuteCount = z.object({
	/** Start of the minute, epoch ms. */
	minute: z.number().int(),
	type: z.enum(ACTION_TYPES),
	n: z.number().int(),
});
export type MinuteCount = z.infer<typeof MinuteCount>;

export const BLESSING_STATES = ["published", "held", "hidden", "erased"] as const;
export const BlessingState = z.enum(BLESSING_STATES);
export type BlessingState = z.infer<typeof BlessingState>;

/** A blessing on its way to the wall (published) or the moderation queue (held). */
export const WallEntry = z.object({
	id: z.string(),
	participantId: z.string(),
	hans: z.string(),
	hant: z.string(),
	displayName: z.string().nullable(),
	region: z.string().nullable(),
	state: BlessingState,
	createdAt: z.number().int(),
});
export type WallEntry = z.infer<typeof WallEntry>;

/** One shard as the level above last heard of it: for the committee's live view and the audit. */
export const ShardStatus = z.object({
	shardIndex: z.number().int(),
	version: z.number().int(),
	takenAt: z.number().int(),
	receivedAt: z.number().int(),
	sealed: z.boolean(),
	participants: z.number().int(),
	actions: ActionCounts,
	blessingsPublished: z.number().int(),
});
export type ShardStatus = z.infer<typeof ShardStatus>;

/**
 * Absolute counters of one child (a shard, or an aggregator) at one version. `minutes` holds the
 * minute buckets changed after the version the receiver already has, each with its absolute value.
 */
export const Snapshot = z.object({
	/** The shard index, or the aggregator index. */
	child: z.number().int(),
	version: z.number().int(),
	takenAt: z.number().int(),
	/** Every shard below is sealed. */
	sealed: z.boolean(),
	participants: z.number().int(),
	actions: ActionCounts,
	blessingsPublished: z.number().int(),
	regions: z.array(RegionCounts),
	minutes: z.array(MinuteCount),
	blessings: z.array(WallEntry),
	shards: z.array(ShardStatus),
});
export type Snapshot = z.infer<typeof Snapshot>;

export type ApplyOutcome = { kind: "applied"; version: number } | { kind: "not-newer"; version: number };
