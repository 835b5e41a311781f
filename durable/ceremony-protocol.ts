import type { Audit } from "../src/schemas/audit";
import type { CeremonyConfig } from "../src/schemas/ceremony";
import type { ModeratedBlessing, NameUnderReview } from "../src/schemas/moderation";
import type { Stats } from "../src/schemas/stats";

/**
 * The CeremonyDO's RPC protocol: every method's outcome, as a discriminated union. A missing
 * ceremony, blessing or name is always `{ kind: "not-found" }`; the Worker maps outcomes to
 * problems through its one catalogue.
 */

export type NotFound = { kind: "not-found" };

export type ConfigOutcome = { kind: "config"; config: CeremonyConfig } | NotFound;

export type ConfigureOutcome =
	| { kind: "configured"; config: CeremonyConfig; created: boolean }
	| { kind: "shard-count-fixed"; config: CeremonyConfig }
	| { kind: "closed"; config: CeremonyConfig };

export type CloseOutcome = { kind: "closed"; stats: Stats } | NotFound;

export type AuditOutcome = { kind: "audited"; audit: Audit } | NotFound;

export type ReportOutcome = { kind: "reported" } | { kind: "already-reported" } | NotFound;

export type ModerationOutcome = { kind: "moderated"; entry: ModeratedBlessing } | NotFound;

export type NameModerationOutcome = { kind: "moderated"; entry: NameUnderReview } | NotFound;

/** A live-socket ticket is good once. */
export type TicketOutcome = { kind: "fresh" } | { kind: "used" };

export type { LeasedBlock } from "./certificate-lease";
