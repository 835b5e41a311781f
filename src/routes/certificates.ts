import { createRoute, z } from "@hono/zod-openapi";
import { ceremonyName } from "../domain/calendar";
import { certificateSvg } from "../domain/certificate-svg";
import { subApp } from "../http/openapi";
import { Problem } from "../http/problem";
import { publicOrMediaKey, publicReadAnswers } from "../schemas/answers";
import { Locale, problemContent, YearParam } from "../schemas/common";
import { ParticipantIdParam } from "../schemas/participant";
import { participantShard, shardAnswer } from "./participant-shard";

export const certificates = subApp();

certificates.openapi(
	createRoute({
		method: "get",
		path: "/api/v1/ceremonies/{year}/certificates/{participantId}",
		operationId: "getCertificate",
		tags: ["participants"],
		security: publicOrMediaKey,
		summary: "A participant's certificate as SVG",
		description:
			"The certificate of participation with its number (given at the participant's first counted action), the display name and the ceremony's name in the chosen script or English.",
		request: {
			params: YearParam.merge(ParticipantIdParam),
			query: z.object({ lang: Locale.default("zh-Hans") }),
		},
		responses: {
			200: { description: "The certificate", content: { "image/svg+xml": { schema: z.string() } } },
			400: problemContent("`validation`: an invalid year, participant id or language"),
			...publicReadAnswers,
			404: problemContent("`certificate-not-found` (no counted action yet) or `ceremony-not-found`"),
		},
	}),
	async (c) => {
		const { year, participantId } = c.req.valid("param");
		const { lang } = c.req.valid("query");
		const { config, identity, stub } = await participantShard(c.env, year, participantId);
		const { profile } = shardAnswer(year, await stub.profile(identity, participantId));
		if (profile.certificate === null) {
			throw new Problem(404, "certificate-not-found", "No certificate", "This participant has no counted action yet.");
		}
		const svg = certificateSvg({
			ceremonyName: ceremonyName(year)[lang],
			date: config.date,
			number: profile.certificate,
			displayName: profile.nameState === "published" ? profile.displayName : null,
			locale: lang,
		});
		return c.body(svg, 200, {
			"content-type": "image/svg+xml; charset=utf-8",
			"cache-control": "public, max-age=60",
			"content-security-policy": "default-src 'none'; style-src 'unsafe-inline'",
			"x-content-type-options": "nosniff",
		});
	},
);
