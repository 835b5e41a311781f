import { z } from "zod";
import type { Audit } from "../src/schemas/audit";
import type { BlessingPage } from "../src/schemas/blessing";
import type { CeremonyConfig } from "../src/schemas/ceremony";
import type { ModeratedBlessing, ModerationPage, NamePage, NameUnderReview } from "../src/schemas/moderation";
import type { RegionsStats, Stats, Timeseries } from "../src/schemas/stats";
import type { LeasedBlock } from "./certificate-lease";

/**
 * The CeremonyDO's RPC protocol: every method's outcome, as a discriminated union. A missing
 * ceremony, blessing or name is always `{ kind: "not-found" }`; the Worker maps outcomes to
 * problems through its one catalogue.
 *
 * Every method takes the year the caller means. The object checks it once, first: a call meant for
 * another ceremony changes nothing and is answered `wrong-ceremony`.
 */

/**
 * The live socket arrives by fetch, not RPC: the request names the ceremony it means in this header,
 * and a request for another ceremony is answered 421 with a `WrongCeremony` body.
 */
export const LIVE_YEAR_HEADER = "x-ceremony-year";

export type NotFound = { kind: "not-found" };

/** The object is another ceremony's (a call routed to the wrong object): nothing was done. */
export const WrongCeremony = z.object({ kind: z.literal("wrong-ceremony"), detail: z.string() });
export type WrongCeremony = z.infer<typeof WrongCeremony>;

export type ConfigOutcome = { kind: "config"; config: CeremonyConfig } | NotFound | WrongCeremony;

export type ConfigureOutcome =
	| { kind: "configured"; config: CeremonyConfig; created: boolean }
	| { kind: "shard-count-fixed"; config: CeremonyConfig }
	| { kind: "closed"; config: CeremonyConfig }
	| WrongCeremony;

export type LeaseOutcome = { kind: "leased"; block: LeasedBlock } | WrongCeremony;

export type StatsOutcome = { kind: "stats"; stats: Stats } | WrongCeremony;

export type RegionsOutcome = { kind: "regions"; regions: RegionsStats } | WrongCeremony;

export type TimeseriesOutcome = { kind: "timeseries"; timeseries: Timeseries } | WrongCeremony;

export type BlessingPageOutcome = { kind: "page"; page: BlessingPage } | WrongCeremony;

export type ModerationPageOutcome = { kind: "page"; page: ModerationPage } | WrongCeremony;

export type NamePageOutcome = { kind: "page"; page: NamePage } | WrongCeremony;

export type CloseOutcome = { kind: "closed"; stats: Stats } | NotFound | WrongCeremony;

export type AuditOutcome = { kind: "audited"; audit: Audit } | NotFound | WrongCeremony;

export type ReportOutcome = { kind: "reported" } | { kind: "already-reported" } | NotFound | WrongCeremony;

export type ModerationOutcome = { kind: "moderated"; entry: ModeratedBlessing } | NotFound | WrongCeremony;

export type NameModerationOutcome = { kind: "moderated"; entry: NameUnderReview } | NotFound | WrongCeremony;

/** A display name held for review, or no longer under review. */
export type NameReviewOutcome = { kind: "held" } | { kind: "released" } | WrongCeremony;

/** `removed`: how many of the participant's blessings left the wall and the queue. */
export type ParticipantErasureOutcome = { kind: "erased"; removed: number } | WrongCeremony;

/** A live-socket ticket is good once. */
export type TicketOutcome = { kind: "fresh" } | { kind: "used" } | WrongCeremony;

/** `sockets`: how many sockets were sent the figures. */
export type BroadcastOutcome = { kind: "broadcast"; sockets: number } | WrongCeremony;

export type { LeasedBlock };
