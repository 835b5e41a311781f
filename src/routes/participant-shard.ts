import type { ActionIdentity, WrongShard } from "../../durable/shard-protocol";
import { forgetCeremony, loadCeremony, shardStub } from "../ceremonies";
import { shardIndexFor } from "../domain/shard-routing";
import { unavailable } from "../http/errors";

/**
 * The shard that holds a participant's state in a ceremony, and the identity it expects. The stub
 * is made when first read: an action that joins another request's batch never calls its shard.
 */
export async function participantShard(env: Env, year: number, participantId: string) {
	const config = await loadCeremony(env, year);
	const identity: ActionIdentity = {
		year,
		shardCount: config.shardCount,
		shardIndex: shardIndexFor(participantId, config.shardCount),
		configVersion: config.version,
	};
	return {
		config,
		identity,
		get stub() {
			return shardStub(env, year, identity.shardIndex);
		},
	};
}

export const certificateUrl = (year: number, participantId: string) =>
	`/api/v1/ceremonies/${year}/certificates/${participantId}`;

/**
 * A shard's answer, or a retryable problem when the shard refused the call as meant for another
 * shard: the isolate's copy of the configuration is stale, and is forgotten.
 */
export function shardAnswer<T extends { kind: string }>(year: number, outcome: T | WrongShard): Exclude<T, WrongShard> {
	if (outcome.kind === "wrong-shard") {
		forgetCeremony(year);
		throw unavailable((outcome as WrongShard).detail);
	}
	return outcome as Exclude<T, WrongShard>;
}
