import type { ActionIdentity } from "../../durable/shard-protocol";
import { loadCeremony, shardStub } from "../ceremonies";
import { shardIndexFor } from "../domain/shard-routing";

/** The shard that holds a participant's state in a ceremony, and the identity it expects. */
export async function participantShard(env: Env, year: number, participantId: string) {
	const config = await loadCeremony(env, year);
	const identity: ActionIdentity = {
		year,
		shardCount: config.shardCount,
		shardIndex: shardIndexFor(participantId, config.shardCount),
		configVersion: config.version,
	};
	return { config, identity, stub: shardStub(env, year, identity.shardIndex) };
}

export const certificateUrl = (year: number, participantId: string) =>
	`/api/v1/ceremonies/${year}/certificates/${participantId}`;
