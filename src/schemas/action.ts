import { z } from "@hono/zod-openapi";
import { BlessingMessage } from "./blessing";
import { ActionType } from "./common";
import { CertificateRef } from "./participant";

export const ActionInput = z
	.object({ type: ActionType, message: BlessingMessage.optional() })
	.strict()
	.superRefine((input, ctx) => {
		if (input.type === "blessing" && input.message === undefined) {
			ctx.addIssue({ code: "custom", path: ["message"], message: "a blessing needs a message" });
		}
		if (input.type !== "blessing" && input.message !== undefined) {
			ctx.addIssue({ code: "custom", path: ["message"], message: "only a blessing has a message" });
		}
	})
	.openapi("ActionInput");
export type ActionInput = z.infer<typeof ActionInput>;

export const IdempotencyKeyHeader = z.object({
	"idempotency-key": z
		.string({ error: "the Idempotency-Key header is required" })
		.regex(/^[\x21-\x7e]{8,128}$/, "must be 8 to 128 visible ASCII characters, such as a UUID")
		.openapi({ param: { name: "idempotency-key", in: "header" }, example: "6f1c3a0e-4d1b-4b8e-9a55-2f0f7c9b1e11" }),
});

export const ActionAccepted = z
	.object({
		actionId: z.string(),
		type: ActionType,
		certificate: CertificateRef,
	})
	.openapi("ActionAccepted");
export type ActionAccepted = z.infer<typeof ActionAccepted>;
