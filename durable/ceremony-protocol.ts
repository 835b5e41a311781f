import { z } from "zod";
import { ShardAudit, Tally } from "../src/schemas/audit";
import type { CeremonyConfig } from "../src/schemas/ceremony";
import { ActionCounts } from "../src/schemas/common";
import type { LeasedBlock } from "./certificate-lease";
import { RegionCounts } from "./snapshot-protocol";

/**
 * The CeremonyDO's RPC protocol: every method's outcome, as a discriminated union. A missing
 * ceremony, blessing or name is always `{ kind: "not-found" }`; the Worker maps outcomes to
 * problems through its one catalogue. Outcomes carry domain data (times as epoch ms, the ceremony's
 * own field names); the Worker turns them into the public HTTP shapes (src/present).
 *
 * Every method takes the year the caller means. The object checks it once, first: a call meant for
 * another ceremony changes nothing and is answered `wrong-ceremony`.
 */

// ---- the domain data the outcomes carry: times as epoch ms; the Worker makes the public shapes ----

/** When the newest snapshot the figures hold was taken, epoch ms; null before any. */
const TakenAt = z.number().int().nullable();

/** The ceremony's figures: the sum of the tree's snapshots while open, frozen at the close. */
export const Figures = z.object({
	participants: z.number().int(),
	actions: ActionCounts,
	blessingsPublished: z.number().int(),
	/** Countries and regions with a participant. */
	countries: z.number().int(),
	final: z.boolean(),
	takenAt: TakenAt,
});
export type Figures = z.infer<typeof Figures>;

/** Per region, most participants first. */
export const RegionFigures = z.object({ regions: z.array(RegionCounts), final: z.boolean(), takenAt: TakenAt });
export type RegionFigures = z.infer<typeof RegionFigures>;

/** Actions per interval; `at`: the interval's start, epoch ms. */
export const Series = z.object({
	points: z.array(z.object({ at: z.number().int(), actions: ActionCounts })),
	final: z.boolean(),
});
export type Series = z.infer<typeof Series>;

/** A blessing on the wall. */
export const WallBlessing = z.object({
	id: z.string(),
	hans: z.string(),
	hant: z.string(),
	displayName: z.string().nullable(),
	region: z.string().nullable(),
	createdAt: z.number().int(),
});
export type WallBlessing = z.infer<typeof WallBlessing>;

/** A blessing as the committee sees it: where it stands, its reports and the last decision on it. */
export const ModeratedBlessing = WallBlessing.extend({
	state: z.enum(["published", "held", "hidden"]),
	reports: z.number().int(),
	moderatedBy: z.string().nullable(),
	moderatedAt: z.number().int().nullable(),
});
export type ModeratedBlessing = z.infer<typeof ModeratedBlessing>;

/** A display name held by the word list or hidden by the committee (published once restored). */
export const NameUnderReview = z.object({
	participantId: z.string(),
	displayName: z.string(),
	state: z.enum(["held", "hidden", "published"]),
	createdAt: z.number().int(),
	moderatedBy: z.string().nullable(),
	moderatedAt: z.number().int().nullable(),
});
export type NameUnderReview = z.infer<typeof NameUnderReview>;

/** One page, newest first; `nextCursor` continues after its last item. */
export interface Page<T> {
	items: T[];
	nextCursor: string | null;
}

const Difference = { metric: z.string(), recount: z.number().int(), tree: z.number().int() };

/** One figure on which the recount and the tree disagree: a total, a region's, or a minute's (epoch ms). */
export const AuditDifference = z.discriminatedUnion("scope", [
	z.object({ scope: z.literal("total"), ...Difference }),
	z.object({ scope: z.literal("region"), region: z.string(), ...Difference }),
	z.object({ scope: z.literal("minute"), minute: z.number().int(), ...Difference }),
]);
export type AuditDifference = z.infer<typeof AuditDifference>;

export const TreeComparison = z.object({ match: z.boolean(), differences: z.array(AuditDifference) });
export type TreeComparison = z.infer<typeof TreeComparison>;

/** The recount of every shard's log against the tree, before (`held`) and after (`pulled`) the pull. */
export const AuditReport = z.object({
	match: z.boolean(),
	recount: Tally,
	held: TreeComparison,
	pulled: TreeComparison,
	totals: Tally,
	certificatesLeased: z.number().int(),
	shards: z.array(ShardAudit),
});
export type AuditReport = z.infer<typeof AuditReport>;

// ---- the outcomes ----

/**
 * The live socket arrives by fetch, not RPC: the request names the ceremony it means in this header,
 * and a request for another ceremony is answered 421 with a `WrongCeremony` body.
 */
export const LIVE_YEAR_HEADER = "x-ceremony-year";

/** The year a live request names: its header, or else the year in its path (`…/ceremonies/{year}/live`). */
export function liveRequestYear(request: Request): number | null {
	const named =
		request.headers.get(LIVE_YEAR_HEADER) || new URL(request.url).pathname.match(/\/ceremonies\/([^/]+)\/live$/)?.[1];
	return named && /^\d{1,6}$/.test(named) ? Number(named) : null;
}

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

export type StatsOutcome = { kind: "figures"; figures: Figures } | WrongCeremony;

export type RegionsOutcome = { kind: "regions"; regions: RegionFigures } | WrongCeremony;

export type TimeseriesOutcome = { kind: "series"; series: Series } | WrongCeremony;

export type BlessingPageOutcome = { kind: "page"; page: Page<WallBlessing> } | WrongCeremony;

export type ModerationPageOutcome = { kind: "page"; page: Page<ModeratedBlessing> } | WrongCeremony;

export type NamePageOutcome = { kind: "page"; page: Page<NameUnderReview> } | WrongCeremony;

export type CloseOutcome = { kind: "closed"; figures: Figures } | NotFound | WrongCeremony;

export type AuditOutcome = { kind: "audited"; audit: AuditReport } | NotFound | WrongCeremony;

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
