import type { Context } from "hono";
import { regionOrUnknown } from "../domain/regions";
import type { AppEnv } from "./app-env";

/**
 * The request's country. Locally `request.cf.country` never changes, so in development only the
 * `X-Dev-Country` header may stand in for it.
 */
export function requestCountry(c: Context<AppEnv>): string {
	if (c.env.ENVIRONMENT === "development") {
		const override = c.req.header("x-dev-country");
		if (override) return regionOrUnknown(override.toUpperCase());
	}
	const cf = c.req.raw.cf as { country?: string } | undefined;
	return regionOrUnknown(cf?.country);
}
