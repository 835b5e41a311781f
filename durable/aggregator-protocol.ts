import { z } from "zod";
import { Snapshot } from "./snapshot-protocol";

/** An aggregator merges the snapshots of shards [16·index, 16·index + 16) of one ceremony. */
export const AggregatorIdentity = z.object({
	year: z.number().int(),
	shardCount: z.number().int().positive(),
	aggregatorIndex: z.number().int().nonnegative(),
});
export type AggregatorIdentity = z.infer<typeof AggregatorIdentity>;

/** The receiver refuses a call meant for another aggregator, ceremony or shard count, and changes nothing. */
export const WrongAggregator = z.object({ kind: z.literal("wrong-aggregator"), detail: z.string() });
export type WrongAggregator = z.infer<typeof WrongAggregator>;

export const AggregatorApplyOutcome = z.discriminatedUnion("kind", [
	z.object({ kind: z.literal("applied"), version: z.number().int() }),
	z.object({ kind: z.literal("not-newer"), version: z.number().int() }),
	WrongAggregator,
]);
export type AggregatorApplyOutcome = z.infer<typeof AggregatorApplyOutcome>;

export const AggregatorSnapshotOutcome = z.discriminatedUnion("kind", [
	z.object({ kind: z.literal("snapshot"), snapshot: Snapshot }),
	WrongAggregator,
]);
export type AggregatorSnapshotOutcome = z.infer<typeof AggregatorSnapshotOutcome>;
