import type { Context } from "hono";
import { regionOrUnknown } from "../domain/regions";
import type { AppEnv } from "./app-env";

/**
 * The request's country. Locally `request.cf.country` never changes, so in development only the
 * `X-Dev-Country` header may stand in for it.
 */
export function countryOf(request: Request, env: Env): string {
	if (env.ENVIRONMENT === "development") {
		const override = request.headers.get("x-dev-country");
		if (override) return regionOrUnknown(override.toUpperCase());
	}
	const cf = request.cf as { country?: string } | undefined;
	return regionOrUnknown(cf?.country);
}

export const requestCountry = (c: Context<AppEnv>): string => countryOf(c.req.raw, c.env);
