import type { WrongCeremony } from "../durable/ceremony-protocol";
import { nextCeremonyYear } from "./domain/calendar";
import type { CeremonyDefaults } from "./domain/ceremony";
import { ceremonyObjectName, shardName } from "./domain/shard-routing";
import { Problem } from "./http/problem";
import type { CeremonyConfig } from "./schemas/ceremony";

/**
 * How long an isolate trusts its copy of a ceremony's configuration at most. A change reaches the
 * isolate sooner: the shard answers "stale" to an action sent under an older version, and the
 * isolate refreshes its copy then (forgetCeremony). So the CeremonyDO's configuration reads follow
 * configuration changes, not the number of isolates or the action rate.
 */
const CONFIG_TTL_MS = 5 * 60_000;
const cache = new Map<number, { config: CeremonyConfig; fetchedAt: number; refreshing: boolean }>();

export const ceremonyStub = (env: Env, year: number) => env.CEREMONY.getByName(ceremonyObjectName(year));
export const shardStub = (env: Env, year: number, index: number) => env.SHARD.getByName(shardName(year, index));

export function ceremonyDefaults(env: Env): CeremonyDefaults {
	const shardCount = Number.parseInt(env.DEFAULT_SHARD_COUNT, 10);
	return {
		shardCount: Number.isInteger(shardCount) && shardCount > 0 ? shardCount : 32,
		openNow: env.ENVIRONMENT === "development",
	};
}

/** The ceremony's configuration; the next ceremony is created with the defaults on first use. */
export async function loadCeremony(env: Env, year: number, now = Date.now()): Promise<CeremonyConfig> {
	const cached = cache.get(year);
	if (cached && (now - cached.fetchedAt < CONFIG_TTL_MS || cached.refreshing)) return cached.config;
	// One request of the isolate refreshes an expired copy; the others use the copy meanwhile
	// (they never wait on that request's read: see the traps in shard-batcher.ts).
	if (cached) cached.refreshing = true;
	try {
		const defaults = year === nextCeremonyYear(now) ? ceremonyDefaults(env) : null;
		const outcome = ceremonyAnswer(await ceremonyStub(env, year).getConfig(year, defaults));
		if (outcome.kind === "not-found") throw ceremonyNotFound(year);
		const config = outcome.config;
		cache.set(year, { config, fetchedAt: Date.now(), refreshing: false });
		return config;
	} finally {
		if (cached) cached.refreshing = false;
	}
}

export const ceremonyNotFound = (year: number) =>
	new Problem(404, "ceremony-not-found", "No such ceremony", `There is no ceremony for ${year}.`);

/**
 * A CeremonyDO's answer. `wrong-ceremony` means the call reached another ceremony's object, which
 * only a routing defect can cause (the object is found by the year): an internal error, logged.
 */
export function ceremonyAnswer<T extends { kind: string }>(outcome: T | WrongCeremony): Exclude<T, WrongCeremony> {
	if (outcome.kind === "wrong-ceremony") throw new Error((outcome as WrongCeremony).detail);
	return outcome as Exclude<T, WrongCeremony>;
}

export const forgetCeremony = (year: number) => cache.delete(year);
