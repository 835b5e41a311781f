import { Hono } from "hono";
import { turnstileSiteKey } from "../auth/turnstile";
import { loadCeremony } from "../ceremonies";
import { nextCeremonyYear } from "../domain/calendar";
import { presentCeremony } from "../domain/ceremony";
import type { AppEnv } from "../http/app-env";
import { pageResponse } from "../pages/headers";
import { pageLang } from "../pages/language";
import { firstView } from "../pages/participant-page";

/** The pages the Worker writes (not in the OpenAPI document: they are for people, not programs). */
export const pages = new Hono<AppEnv>();

pages.get("/", async (c) => {
	// Certificate links of the first form (/?c=<participantId>&y=<year>) lead to the share page.
	const shared = c.req.query("c");
	const sharedYear = c.req.query("y");
	if (shared && sharedYear)
		return c.redirect(`/c/${encodeURIComponent(sharedYear)}/${encodeURIComponent(shared)}`, 301);
	const asset = await c.env.ASSETS.fetch(new Request(new URL("/", c.req.url)));
	if (!asset.ok) return asset;
	const now = Date.now();
	const ceremony = await loadCeremony(c.env, nextCeremonyYear(now), now).then(
		(config) => presentCeremony(config, now),
		(error: unknown) => {
			console.error("the participant page's first view went out without the ceremony", error);
			return null;
		},
	);
	const siteKey = turnstileSiteKey(c.env);
	const page = firstView(asset, pageLang(c), ceremony, siteKey);
	return pageResponse(page.body, { status: 200 }, { turnstile: siteKey !== null });
});
