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

/** The participant id a token proves, or null for anything forged, tampered or malformed. */
export async function verifyParticipantToken(token: string, secret: string | undefined): Promise<string | null> {
	const [participantId, signature, ...rest] = token.split(".");
	if (rest.length > 0 || !participantId || !signature || !PARTICIPANT_ID.test(participantId)) return null;
	return (await verify(secret, `participant:${participantId}`, signature)) ? participantId : null;
}
