import { toBase64Url } from "./base64url";
import { sign, verify } from "./hmac";

/**
 * A participant's bearer token: `<participantId>.<HMAC-SHA256(secret, "participant:" + id)>`.
 * It carries only the id and is checked without storage.
 */
export const PARTICIPANT_ID = /^[A-Za-z0-9_-]{22}$/;

export const newParticipantId = (): string => toBase64Url(crypto.getRandomValues(new Uint8Array(16)));

export async function issueParticipantToken(participantId: string, secret: string | undefined): Promise<string> {
	return `${participantId}.${await sign(secret, `participant:${participantId}`)}`;
}

/** Tokens this isolate has verified, under the secret they were verified with; cleared when full. */
const VERIFIED_LIMIT = 100_000;
let verified: { secret: string | undefined; ids: Map<string, string> } = { secret: undefined, ids: new Map() };

/**
 * The participant id a token proves, or null for anything forged, tampered or malformed. A
 * token verified once is known for as long as the configured secret stays the same.
 */
export async function verifyParticipantToken(token: string, secret: string | undefined): Promise<string | null> {
	if (verified.secret !== secret) verified = { secret, ids: new Map() };
	const known = verified.ids.get(token);
	if (known !== undefined) return known;
	const [participantId, signature, ...rest] = token.split(".");
	if (rest.length > 0 || !participantId || !signature || !PARTICIPANT_ID.test(participantId)) return null;
	if (!(await verify(secret, `participant:${participantId}`, signature))) return null;
	if (verified.ids.size >= VERIFIED_LIMIT) verified.ids.clear();
	verified.ids.set(token, participantId);
	return participantId;
}
