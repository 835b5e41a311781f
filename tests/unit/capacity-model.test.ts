import { describe, expect, it } from "vitest";
import {
	AGGREGATOR_PUSH_INTERVAL_MS,
	EDGE_BATCH_WINDOW_MS,
	FAN_IN,
	FRESH_MS,
	MAX_BATCH_SIZE,
	MAX_IN_FLIGHT,
	SHARD_PUSH_INTERVAL_MS,
} from "../../bench/lib/tree-model.mjs";
import {
	AGGREGATOR_PUSH_INTERVAL_MS as aggregatorInterval,
	SHARD_PUSH_INTERVAL_MS as shardInterval,
} from "../../durable/push-schedule";
import { AGGREGATOR_FAN_IN } from "../../src/domain/shard-routing";
import { FRESH_MS as edgeFresh } from "../../src/http/edge-cache";
import {
	MAX_BATCH_SIZE as batchSize,
	DEFAULT_BATCH_WINDOW_MS as batchWindow,
	MAX_IN_FLIGHT as inFlight,
} from "../../src/shard-batcher";

describe("the capacity model's tree", () => {
	it("models the service's push intervals, fan-in and edge-cache freshness", () => {
		expect({ SHARD_PUSH_INTERVAL_MS, AGGREGATOR_PUSH_INTERVAL_MS, FAN_IN, FRESH_MS }).toEqual({
			SHARD_PUSH_INTERVAL_MS: shardInterval,
			AGGREGATOR_PUSH_INTERVAL_MS: aggregatorInterval,
			FAN_IN: AGGREGATOR_FAN_IN,
			FRESH_MS: edgeFresh,
		});
	});

	it("models the edge batcher's window, batch size and lanes", () => {
		expect({ EDGE_BATCH_WINDOW_MS, MAX_BATCH_SIZE, MAX_IN_FLIGHT }).toEqual({
			EDGE_BATCH_WINDOW_MS: batchWindow,
			MAX_BATCH_SIZE: batchSize,
			MAX_IN_FLIGHT: inFlight,
		});
	});
});
