import { describe, expect, it } from "vitest";
import { AGGREGATOR_PUSH_INTERVAL_MS, FAN_IN, FRESH_MS, SHARD_PUSH_INTERVAL_MS } from "../../bench/lib/tree-model.mjs";
import {
	AGGREGATOR_PUSH_INTERVAL_MS as aggregatorInterval,
	SHARD_PUSH_INTERVAL_MS as shardInterval,
} from "../../durable/push-schedule";
import { AGGREGATOR_FAN_IN } from "../../src/domain/shard-routing";
import { FRESH_MS as edgeFresh } from "../../src/http/edge-cache";

describe("the capacity model's tree", () => {
	it("models the service's push intervals, fan-in and edge-cache freshness", () => {
		expect({ SHARD_PUSH_INTERVAL_MS, AGGREGATOR_PUSH_INTERVAL_MS, FAN_IN, FRESH_MS }).toEqual({
			SHARD_PUSH_INTERVAL_MS: shardInterval,
			AGGREGATOR_PUSH_INTERVAL_MS: aggregatorInterval,
			FAN_IN: AGGREGATOR_FAN_IN,
			FRESH_MS: edgeFresh,
		});
	});
});
