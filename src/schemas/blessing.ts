import { z } from "@hono/zod-openapi";
import { BLESSING_MAX_LENGTH } from "../domain/blessing-text";
import { Timestamp, WELL_FORMED_MESSAGE, wellFormed } from "./common";

export const BlessingMessage = z
	.string()
	.refine(wellFormed, WELL_FORMED_MESSAGE)
	.min(1)
	.max(BLESSING_MAX_LENGTH * 4, `must be at most ${BLESSING_MAX_LENGTH} characters`)
	.openapi({
		example: "祝愿祖国繁荣昌盛，国泰民安",
		description: `At most ${BLESSING_MAX_LENGTH} characters after normalisation`,
	});

export const Blessing = z
	.object({
		id: z.string(),
		text: z.object({ "zh-Hans": z.string(), "zh-Hant": z.string() }),
		displayName: z.string().nullable(),
		region: z.string().nullable(),
		createdAt: Timestamp,
	})
	.openapi("Blessing");
export type Blessing = z.infer<typeof Blessing>;

export const BlessingPage = z
	.object({ items: z.array(Blessing), nextCursor: z.string().nullable() })
	.openapi("BlessingPage");
export type BlessingPage = z.infer<typeof BlessingPage>;

export const BlessingPageQuery = z.object({
	limit: z.coerce.number().int().min(1).max(100).default(20),
	cursor: z
		.string()
		.regex(/^\d{1,15}_\d{1,4}-\d{1,15}$/, "must be a nextCursor from an earlier page")
		.optional(),
});

export const ReportInput = z
	.object({ reason: z.string().refine(wellFormed, WELL_FORMED_MESSAGE).max(200).optional() })
	.strict()
	.openapi("BlessingReportInput");

export const ReportResult = z.object({ reported: z.literal(true) }).openapi("BlessingReportResult");
