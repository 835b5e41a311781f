import type { BlessingText } from "../src/domain/blessing-text";
import type { ActionCounts, ActionType } from "../src/schemas/common";
import type { Snapshot } from "./snapshot-protocol";

/** What the Worker believes about the shard it calls; a shard refuses a call that disagrees. */
export interface ShardIdentity {
	year: number;
	shardCount: number;
	shardIndex: number;
}

/** The identity of a call that counts actions, with the configuration version the Worker acts under. */
export interface ActionIdentity extends ShardIdentity {
	configVersion: number;
}

export interface ActionRequest {
	participantId: string;
	idempotencyKey: string;
	type: ActionType;
	/** A hash of the request body as sent: the same key with another body is refused. The shard salts it. */
	fingerprint: string;
	blessing: BlessingText | null;
	limit: number;
	/** The request's country, the region of a participant who chose none. */
	country: string;
	/** The window is over: answer a replay of an earlier action, count nothing new. */
	replayOnly?: boolean;
}

export type ActionOutcome =
	| { kind: "accepted"; seq: number; type: ActionType; certificate: number }
	| { kind: "over-limit"; type: ActionType; certificate: number | null }
	| { kind: "key-reused" }
	/** The key's blessing was erased with its fingerprint: nothing can confirm what it said. */
	| { kind: "erased" }
	| { kind: "sealed" }
	| { kind: "stale-config"; configVersion: number }
	| { kind: "outside-window" }
	| { kind: "wrong-shard"; detail: string };

export type { BlessingState, MinuteCount, RegionCounts, WallEntry } from "./snapshot-protocol";
export type ShardSnapshot = Snapshot;

export interface ShardAudit {
	shardIndex: number;
	version: number;
	recount: { participants: number; actions: ActionCounts; blessingsPublished: number };
	counters: { participants: number; actions: ActionCounts; blessingsPublished: number };
	regionsMatch: boolean;
	minutesMatch: boolean;
	match: boolean;
}

/** A display name is shown once published; a held or hidden one is shown as the anonymous label. */
export type NameState = "published" | "held" | "hidden";

export interface ParticipantProfile {
	participantId: string;
	displayName: string | null;
	nameState: NameState;
	region: string | null;
	regionFixed: boolean;
	certificate: number | null;
	actions: ActionCounts;
	firstCountedAt: number | null;
}

export type ProfileUpdateOutcome =
	/** `reviewEnded`: the name had been held or hidden and no longer is (the queue drops it). */
	| { kind: "updated"; profile: ParticipantProfile; reviewEnded: boolean }
	| { kind: "region-fixed"; profile: ParticipantProfile }
	| { kind: "wrong-shard"; detail: string };
