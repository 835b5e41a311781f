import countries from "i18n-iso-countries";

/** Cloudflare's country for requests it cannot place; never a region a participant may choose. */
export const UNKNOWN_REGION = "XX";

const TWO_LETTERS = /^[A-Z]{2}$/;

export const isRegionCode = (code: string): boolean => TWO_LETTERS.test(code) && countries.isValid(code);

/** Answers of regionOrUnknown by code, so each is looked up once per isolate (at most 26 × 26). */
const checked = new Map<string, string>();

/** The region recorded for a request: the visitor's country when it is a real one. */
export function regionOrUnknown(country: string | null | undefined): string {
	if (!country || !TWO_LETTERS.test(country)) return UNKNOWN_REGION;
	let region = checked.get(country);
	if (region === undefined) {
		region = isRegionCode(country) ? country : UNKNOWN_REGION;
		checked.set(country, region);
	}
	return region;
}

/** Mainland China; everything else counts as overseas (including HK, MO, TW, as the committee reports them). */
export const isOverseas = (region: string) => region !== "CN" && region !== UNKNOWN_REGION;
