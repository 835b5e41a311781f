import type { BlessingText } from "../src/domain/blessing-text";
import type { ShardAudit } from "../src/schemas/audit";
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
	/**
	 * The request body as sent, normalised (`type`, a newline, the message): the same key with another
	 * body is refused. The shard keeps only a salted HMAC of it, never the text.
	 */
	body: string;
	/**
	 * What a Worker of the previous release sends instead of `body`: a SHA-256 of it. The shard salts
	 * whichever it gets, so mixed versions count correctly; only a retry that crosses versions is
	 * refused as a reused key. Deploy the release that introduced `body` whole (docs/OPERATIONS.md).
	 */
	fingerprint?: string;
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

import type { MinuteCount, RegionCounts } from "./snapshot-protocol";

export type { BlessingState, MinuteCount, RegionCounts, WallEntry } from "./snapshot-protocol";
export type ShardSnapshot = Snapshot;

export type { ShardAudit };

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

/** The shard refuses a call meant for another shard, ceremony or shard count, and changes nothing. */
export type WrongShard = { kind: "wrong-shard"; detail: string };

/**
 * `displayName: null` clears the name; a region can change only before the first counted action.
 * `nameHeld`: the word list holds the new name until the committee reviews it.
 */
export interface ProfileChange {
	displayName?: string | null;
	region?: string;
	nameHeld?: boolean;
}

export type ProfileOutcome = { kind: "profile"; profile: ParticipantProfile } | WrongShard;

export type ProfileUpdateOutcome =
	/** `reviewEnded`: the name had been held or hidden and no longer is (the queue drops it). */
	| { kind: "updated"; profile: ParticipantProfile; reviewEnded: boolean }
	| { kind: "region-fixed"; profile: ParticipantProfile }
	| WrongShard;

/** `not-found`: the participant has no display name (any more). */
export type NameStateOutcome = { kind: "moderated"; displayName: string } | { kind: "not-found" } | WrongShard;

/** `not-found`: the log has no such blessing, or it was erased. */
export type BlessingStateOutcome =
	| { kind: "moderated"; state: "published" | "hidden" }
	| { kind: "not-found" }
	| WrongShard;

/** The participant's name and blessing texts are gone; `blessings`: how many texts were erased. */
export type EraseOutcome = { kind: "erased"; blessings: number } | WrongShard;

export type ConfigVersionOutcome = { kind: "noted"; configVersion: number } | WrongShard;

export type ShardSnapshotOutcome = { kind: "snapshot"; snapshot: ShardSnapshot } | WrongShard;

/** The shard's action log recounted per region and per minute (the audit compares them with the tree's). */
export interface ShardRecount {
	regions: RegionCounts[];
	minutes: MinuteCount[];
}

export type ShardAuditOutcome = { kind: "audited"; audit: ShardAudit; recount: ShardRecount } | WrongShard;
