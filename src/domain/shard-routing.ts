/** FNV-1a, 32-bit: stable across isolates, releases and runtimes, which the shard choice needs. */
function fnv1a(text: string): number {
	let hash = 0x811c9dc5;
	for (let i = 0; i < text.length; i++) {
		hash ^= text.charCodeAt(i);
		hash = Math.imul(hash, 0x01000193);
	}
	return hash >>> 0;
}

/** The shard that holds all of a participant's state in a ceremony of `shardCount` shards. */
export const shardIndexFor = (participantId: string, shardCount: number): number => fnv1a(participantId) % shardCount;

export const shardName = (year: number, index: number) => `${year}/shard/${index}`;
export const ceremonyObjectName = (year: number) => `${year}`;
export const aggregatorName = (year: number, index: number) => `${year}/aggregator/${index}`;

/**
 * Shards merged by one aggregator. With 16, the CeremonyDO hears from at most 64 aggregators at
 * S = 1,024, and an aggregator merges at most 16 snapshots per interval (docs/CAPACITY.md).
 */
export const AGGREGATOR_FAN_IN = 16;
export const aggregatorCount = (shardCount: number) => Math.ceil(shardCount / AGGREGATOR_FAN_IN);
export const aggregatorIndexFor = (shardIndex: number) => Math.floor(shardIndex / AGGREGATOR_FAN_IN);
/** The shard indexes an aggregator merges. */
export function shardsOfAggregator(aggregatorIndex: number, shardCount: number): number[] {
	const first = aggregatorIndex * AGGREGATOR_FAN_IN;
	const last = Math.min(shardCount, first + AGGREGATOR_FAN_IN);
	return Array.from({ length: Math.max(0, last - first) }, (_, k) => first + k);
}

/** Blessing and action ids carry their shard, so moderation can reach the right log. */
export const actionId = (shardIndex: number, seq: number) => `${shardIndex}-${seq}`;
export function parseActionId(id: string): { shardIndex: number; seq: number } | null {
	const match = /^(\d{1,4})-(\d{1,15})$/.exec(id);
	return match ? { shardIndex: Number(match[1]), seq: Number(match[2]) } : null;
}
