import type {
	ModeratedBlessing as HeldBlessing,
	NameUnderReview as HeldName,
	Page,
	WallBlessing,
} from "../../durable/ceremony-protocol";
import type { Blessing } from "../schemas/blessing";
import type { ModeratedBlessing, NameUnderReview } from "../schemas/moderation";
import { isoOf, isoOrNull } from "./figures";

/** The public shapes of the wall and of what waits for the committee: texts by script, ISO-8601 times. */

export const presentBlessing = (b: WallBlessing): Blessing => ({
	id: b.id,
	text: { "zh-Hans": b.hans, "zh-Hant": b.hant },
	displayName: b.displayName,
	region: b.region,
	createdAt: isoOf(b.createdAt),
});

export const presentModerated = (b: HeldBlessing): ModeratedBlessing => ({
	...presentBlessing(b),
	state: b.state,
	reports: b.reports,
	moderatedBy: b.moderatedBy,
	moderatedAt: isoOrNull(b.moderatedAt),
});

export const presentName = (n: HeldName): NameUnderReview => ({
	participantId: n.participantId,
	displayName: n.displayName,
	state: n.state,
	createdAt: isoOf(n.createdAt),
	moderatedBy: n.moderatedBy,
	moderatedAt: isoOrNull(n.moderatedAt),
});

export const presentPage = <T, U>(page: Page<T>, present: (item: T) => U) => ({
	items: page.items.map(present),
	nextCursor: page.nextCursor,
});
