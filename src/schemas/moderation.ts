import { z } from "@hono/zod-openapi";
import { Blessing } from "./blessing";
import { Timestamp } from "./common";

/** Where a blessing waits for the committee: held by the word list, reported while published, or hidden. */
export const QueueState = z.enum(["held", "reported", "hidden"]);
export type QueueState = z.infer<typeof QueueState>;

export const ModeratedBlessing = Blessing.extend({
	state: z.enum(["published", "held", "hidden"]),
	reports: z.number().int(),
	moderatedBy: z.string().nullable(),
	moderatedAt: Timestamp.nullable(),
}).openapi("ModeratedBlessing");
export type ModeratedBlessing = z.infer<typeof ModeratedBlessing>;

export const ModerationPage = z.object({ items: z.array(ModeratedBlessing), nextCursor: z.string().nullable() });
export type ModerationPage = z.infer<typeof ModerationPage>;

export const NameUnderReview = z
	.object({
		participantId: z.string(),
		displayName: z.string(),
		state: z.enum(["held", "hidden", "published"]),
		createdAt: Timestamp,
		moderatedBy: z.string().nullable(),
		moderatedAt: Timestamp.nullable(),
	})
	.openapi("NameUnderReview");
export type NameUnderReview = z.infer<typeof NameUnderReview>;

export const NamePage = z.object({ items: z.array(NameUnderReview), nextCursor: z.string().nullable() });
export type NamePage = z.infer<typeof NamePage>;
