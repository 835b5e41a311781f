import { z } from "@hono/zod-openapi";

export const ACTION_TYPES = ["flower", "incense", "bow", "blessing"] as const;
export const ActionType = z.enum(ACTION_TYPES).openapi("ActionType", {
	description: "flower 敬献花篮, incense 净手上香, bow 行施拜礼/共拜始祖, blessing 祈福中华 (with a message)",
});
export type ActionType = z.infer<typeof ActionType>;

/** One field per action type, in the order of ACTION_TYPES: every per-type object is built from it. */
export const perActionType = <T>(value: (type: ActionType) => T): Record<ActionType, T> =>
	Object.fromEntries(ACTION_TYPES.map((type) => [type, value(type)])) as Record<ActionType, T>;

export const ActionCounts = z.object(perActionType(() => z.number().int())).openapi("ActionCounts");
export type ActionCounts = z.infer<typeof ActionCounts>;

export const zeroCounts = (): ActionCounts => perActionType(() => 0);

export const Locale = z.enum(["zh-Hans", "zh-Hant", "en"]).openapi("Locale");
export type Locale = z.infer<typeof Locale>;

export const LocalizedText = z
	.object({ "zh-Hans": z.string(), "zh-Hant": z.string(), en: z.string() })
	.openapi("LocalizedText");

/** Text that is well-formed UTF-16: a lone surrogate would count as one character and store as U+FFFD. */
export const wellFormed = (text: string) => text.isWellFormed();
export const WELL_FORMED_MESSAGE = "is not well-formed Unicode (a lone surrogate)";

export const YearParam = z.object({
	year: z.coerce
		.number()
		.int()
		.min(2000)
		.max(2100)
		.openapi({ param: { name: "year", in: "path" }, example: 2027 }),
});

export const Problem = z
	.object({
		type: z.string().openapi({ example: "/problems/validation" }),
		title: z.string(),
		status: z.number().int(),
		detail: z.string().optional(),
		errors: z
			.array(z.object({ path: z.string(), message: z.string() }))
			.optional()
			.openapi({ description: "For validation problems: each invalid field" }),
	})
	.passthrough()
	.openapi("Problem");

/** An instant as ISO-8601 UTC, as `Date.prototype.toISOString` writes it. */
export const Timestamp = z.string().openapi({ format: "date-time", example: "2027-04-09T01:50:00.000Z" });

export const problemContent = (description: string) => ({
	description,
	content: { "application/problem+json": { schema: Problem } },
});

/** ISO 3166-1 alpha-2, checked against the list in domain/regions.ts. */
export const RegionCode = z
	.string()
	.regex(/^[A-Z]{2}$/, "must be an ISO 3166-1 alpha-2 code in capitals, such as CN or US")
	.openapi({ example: "CN" });
