import { applyInput, type CeremonyDefaults, defaultConfig } from "../src/domain/ceremony";
import { CeremonyConfig, type CeremonyInput } from "../src/schemas/ceremony";
import type { ConfigureOutcome } from "./ceremony-protocol";
import type { SqlQuery } from "./sql";

/** The ceremony's configuration, stored as JSON and parsed with its schema. */
export class CeremonyConfigStore {
	constructor(private readonly sql: SqlQuery) {}

	read(): CeremonyConfig | null {
		const text = this.sql<{ config: string | null }>`SELECT config FROM ceremony_state WHERE id = 1`[0]?.config;
		return text ? CeremonyConfig.parse(JSON.parse(text)) : null;
	}

	save(config: CeremonyConfig): void {
		this.sql`UPDATE ceremony_state SET year = ${config.year}, config = ${JSON.stringify(config)} WHERE id = 1`;
	}

	/** The configuration, created with the defaults when given and none exists. */
	readOrCreate(year: number, defaults: CeremonyDefaults | null): CeremonyConfig | null {
		const config = this.read();
		if (config || !defaults) return config;
		const created = defaultConfig(year, defaults, Date.now());
		this.save(created);
		return created;
	}

	/**
	 * Applies the committee's change. The shard count is fixed once the ceremony has started
	 * (`hasStarted`: opened, or counted anything); nothing changes after the close.
	 */
	configure(
		year: number,
		input: CeremonyInput,
		defaults: CeremonyDefaults,
		hasStarted: (config: CeremonyConfig) => boolean,
	): ConfigureOutcome {
		const existing = this.read();
		const base = existing ?? defaultConfig(year, defaults, Date.now());
		if (base.closedAt !== null) return { kind: "closed", config: base };
		const changesShards = input.shardCount !== undefined && input.shardCount !== base.shardCount;
		if (existing && changesShards && hasStarted(base)) return { kind: "shard-count-fixed", config: base };
		const config = existing ? applyInput(base, input) : { ...applyInput(base, input), version: 1 };
		this.save(config);
		return { kind: "configured", config, created: !existing };
	}
}
