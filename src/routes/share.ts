import { Hono } from "hono";
import { ceremonyName } from "../domain/calendar";
import type { AppEnv } from "../http/app-env";
import { Problem } from "../http/problem";
import { pageResponse } from "../pages/headers";
import { pageLang } from "../pages/language";
import { sharePage } from "../pages/share-page";
import { YearParam } from "../schemas/common";
import { ParticipantIdParam } from "../schemas/participant";
import { participantShard, shardAnswer } from "./participant-shard";

/** A certificate's share page, the address the certificate's link and QR code carry. */
export const share = new Hono<AppEnv>();

const SharePath = YearParam.merge(ParticipantIdParam);

share.get("/c/:year/:participantId", async (c) => {
	const parsed = SharePath.safeParse(c.req.param());
	if (!parsed.success) {
		throw new Problem(400, "validation", "The request is not valid", "Check the link's year and participant id.");
	}
	const { year, participantId } = parsed.data;
	const { identity, stub } = await participantShard(c.env, year, participantId);
	const { profile } = shardAnswer(year, await stub.profile(identity, participantId));
	if (profile.certificate === null) {
		throw new Problem(404, "certificate-not-found", "No certificate", "This participant has no counted action yet.");
	}
	const lang = pageLang(c);
	const url = new URL(c.req.url);
	const body = await sharePage(lang, {
		year,
		participantId,
		number: profile.certificate,
		displayName: profile.displayName,
		ceremonyName: ceremonyName(year)[lang],
		url: `${url.origin}/c/${year}/${participantId}?lang=${lang}`,
	});
	return pageResponse(String(body));
});
