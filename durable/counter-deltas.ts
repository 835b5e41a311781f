import type { ActionType } from "../src/schemas/common";
import type { SqlQuery } from "./sql";

const MINUTE_MS = 60_000;

/** The counter changes of one batch, written once per batch rather than once per action. */
export class CounterDeltas {
	private readonly totals = new Map<string, number>();
	private readonly regions = new Map<string, number>();
	private readonly minute: number;
	private readonly minutes = new Map<ActionType, number>();

	constructor(now: number) {
		this.minute = Math.floor(now / MINUTE_MS) * MINUTE_MS;
	}

	get isEmpty(): boolean {
		return this.totals.size === 0;
	}

	count(type: ActionType, region: string, newcomer: boolean, published: boolean): void {
		this.add(this.totals, type);
		this.add(this.regions, `${region}\u0000${type}`);
		this.add(this.minutes, type);
		if (newcomer) {
			this.add(this.totals, "participants");
			this.add(this.regions, `${region}\u0000participants`);
		}
		if (published) this.add(this.totals, "blessings_published");
	}

	private add<K>(map: Map<K, number>, key: K, n = 1): void {
		map.set(key, (map.get(key) ?? 0) + n);
	}

	/** One statement per counter table, over the batch's changes as a JSON array. */
	write(sql: SqlQuery, version: number): void {
		sql`INSERT INTO totals (metric, n) SELECT value ->> 0, value ->> 1 FROM json_each(${JSON.stringify([...this.totals])}) WHERE true
			ON CONFLICT (metric) DO UPDATE SET n = n + excluded.n`;
		const regions = [...this.regions].map(([key, n]) => [...key.split("\u0000"), n]);
		sql`INSERT INTO region_counts (region, metric, n, version)
			SELECT value ->> 0, value ->> 1, value ->> 2, ${version} FROM json_each(${JSON.stringify(regions)}) WHERE true
			ON CONFLICT (region, metric) DO UPDATE SET n = n + excluded.n, version = excluded.version`;
		sql`INSERT INTO minute_counts (minute, type, n, version)
			SELECT ${this.minute}, value ->> 0, value ->> 1, ${version} FROM json_each(${JSON.stringify([...this.minutes])}) WHERE true
			ON CONFLICT (minute, type) DO UPDATE SET n = n + excluded.n, version = excluded.version`;
	}
}

/** Adds to a counter of the shard outside a batch (moderation changes the published count). */
export function adjustTotal(sql: SqlQuery, metric: string, n: number): void {
	sql`INSERT INTO totals (metric, n) VALUES (${metric}, ${n}) ON CONFLICT (metric) DO UPDATE SET n = n + excluded.n`;
}
