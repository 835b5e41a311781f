import { z } from "@hono/zod-openapi";
import { DISPLAY_NAME_MAX_LENGTH } from "../domain/blessing-text";
import { ActionCounts, Locale, RegionCode, WELL_FORMED_MESSAGE, wellFormed } from "./common";

export const NewParticipantInput = z.object({ locale: Locale.optional() }).strict().openapi("NewParticipantInput");

export const NewParticipant = z
	.object({
		participantId: z.string().openapi({ example: "q3J0Xr1u2iV9bS4cTq5W7A" }),
		token: z.string().openapi({ description: "Bearer token for this participant; carries only the id" }),
	})
	.openapi("NewParticipant");

export const ProfileInput = z
	.object({
		displayName: z
			.string()
			.refine(wellFormed, WELL_FORMED_MESSAGE)
			.max(DISPLAY_NAME_MAX_LENGTH * 4)
			.nullable()
			.optional()
			.openapi({ description: `At most ${DISPLAY_NAME_MAX_LENGTH} characters after normalisation; null clears it` }),
		region: RegionCode.optional().openapi({ description: "ISO 3166-1 alpha-2; fixed at the first counted action" }),
	})
	.strict()
	.openapi("ProfileInput");

export const CertificateRef = z.object({ number: z.number().int(), url: z.string() }).openapi("CertificateRef");

export const Profile = z
	.object({
		participantId: z.string(),
		displayName: z.string().nullable(),
		displayNameState: z.enum(["published", "held", "hidden"]).openapi({
			description:
				"A held (word list) or hidden (committee) name is shown to others as the anonymous label until published",
		}),
		region: z.string().nullable(),
		regionFixed: z.boolean(),
		suggestedRegion: z.string().nullable().openapi({ description: "The request's country" }),
		certificate: CertificateRef.nullable(),
		actions: ActionCounts,
	})
	.openapi("Profile");
export type Profile = z.infer<typeof Profile>;

export const ParticipantIdParam = z.object({
	participantId: z
		.string()
		.regex(/^[A-Za-z0-9_-]{22}$/, "is not a participant id")
		.openapi({ param: { name: "participantId", in: "path" } }),
});
