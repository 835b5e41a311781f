/**
 * Named bearer secrets, configured as `name:token` pairs separated by commas: the committee's
 * tokens (`COMMITTEE_TOKENS`, so every committee step records who took it) and media API keys
 * (`MEDIA_API_KEYS`, so a partner's reads are limited and counted under its name).
 */
export interface NamedHolder {
	name: string;
}

export function parseNamedTokens(configured: string | undefined): Array<{ name: string; token: string }> {
	return (configured ?? "")
		.split(",")
		.map((pair) => pair.trim())
		.filter(Boolean)
		.flatMap((pair) => {
			const colon = pair.indexOf(":");
			const name = pair.slice(0, colon).trim();
			const token = pair.slice(colon + 1).trim();
			return colon > 0 && token.length >= 8 ? [{ name, token }] : [];
		});
}

const encoder = new TextEncoder();

/** Compares every configured token in constant time, so timing tells nothing about any of them. */
export function holderOf(token: string, configured: string | undefined): NamedHolder | null {
	const offered = encoder.encode(token);
	let found: NamedHolder | null = null;
	for (const holder of parseNamedTokens(configured)) {
		const expected = encoder.encode(holder.token);
		const sameLength = expected.byteLength === offered.byteLength;
		// timingSafeEqual needs equal lengths; compare against itself otherwise to spend the same time.
		const equal = crypto.subtle.timingSafeEqual(expected, sameLength ? offered : expected) && sameLength;
		if (equal && !found) found = { name: holder.name };
	}
	return found;
}
