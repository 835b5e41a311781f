import { app } from "./app";
import { actionYear, takeAction } from "./routes/action-fast-path";

export { AggregatorDO } from "../durable/aggregator";
export { CeremonyDO } from "../durable/ceremony";
export { ShardDO } from "../durable/shard";

export default {
	fetch(request, env, ctx) {
		const year = actionYear(request);
		if (year === null) return app.fetch(request, env, ctx);
		return takeAction(request, year, env, ctx, (again) => app.fetch(again, env, ctx));
	},
} satisfies ExportedHandler<Env>;
