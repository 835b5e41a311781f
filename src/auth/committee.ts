/**
 * Committee members' bearer tokens come from the `COMMITTEE_TOKENS` secret as `name:token` pairs
 * separated by commas, so every committee step records who took it.
 */
export interface CommitteeMember {
	name: string;
}

export function parseCommitteeTokens(configured: string | undefined): Array<{ name: string; token: string }> {
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
export function committeeMemberFor(token: string, configured: string | undefined): CommitteeMember | null {
	const offered = encoder.encode(token);
	let found: CommitteeMember | null = null;
	for (const member of parseCommitteeTokens(configured)) {
		const expected = encoder.encode(member.token);
		const sameLength = expected.byteLength === offered.byteLength;
		// timingSafeEqual needs equal lengths; compare against itself otherwise to spend the same time.
		const equal = crypto.subtle.timingSafeEqual(expected, sameLength ? offered : expected) && sameLength;
		if (equal && !found) found = { name: member.name };
	}
	return found;
}
