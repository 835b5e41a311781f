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

/** Blessing and action ids carry their shard, so moderation can reach the right log. */
export const actionId = (shardIndex: number, seq: number) => `${shardIndex}-${seq}`;
export function parseActionId(id: string): { shardIndex: number; seq: number } | null {
	const match = /^(\d{1,4})-(\d{1,15})$/.exec(id);
	return match ? { shardIndex: Number(match[1]), seq: Number(match[2]) } : null;
}
