import type { Snapshot } from "./snapshot-protocol";

/** An aggregator merges the snapshots of shards [16·index, 16·index + 16) of one ceremony. */
export interface AggregatorIdentity {
	year: number;
	shardCount: number;
	aggregatorIndex: number;
}

export type AggregatorApplyOutcome =
	| { kind: "applied"; version: number }
	| { kind: "not-newer"; version: number }
	| { kind: "wrong-aggregator"; detail: string };

export type AggregatorSnapshotOutcome =
	| { kind: "snapshot"; snapshot: Snapshot }
	| { kind: "wrong-aggregator"; detail: string };
