import { app } from "./app";

export { AggregatorDO } from "../durable/aggregator";
export { CeremonyDO } from "../durable/ceremony";
export { ShardDO } from "../durable/shard";

export default {
	fetch: app.fetch,
} satisfies ExportedHandler<Env>;
