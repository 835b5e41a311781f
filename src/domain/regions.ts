import countries from "i18n-iso-countries";

/** Cloudflare's country for requests it cannot place; never a region a participant may choose. */
export const UNKNOWN_REGION = "XX";

/** The country list's answer by code, so each code is looked up once per isolate (at most 26 × 26). */
const known = new Map<string, boolean>();

export function isRegionCode(code: string): boolean {
	if (!/^[A-Z]{2}$/.test(code)) return false;
	let valid = known.get(code);
	if (valid === undefined) {
		valid = countries.isValid(code);
		known.set(code, valid);
	}
	return valid;
}

/** The region recorded for a request: the visitor's country when it is a real one. */
export const regionOrUnknown = (country: string | null | undefined): string =>
	country && isRegionCode(country) ? country : UNKNOWN_REGION;

/** Mainland China; everything else counts as overseas (including HK, MO, TW, as the committee reports them). */
export const isOverseas = (region: string) => region !== "CN" && region !== UNKNOWN_REGION;
