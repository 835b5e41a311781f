import { fromBase64Url, toBase64Url } from "./base64url";

/**
 * A participant's bearer token: `<participantId>.<HMAC-SHA256(secret, "participant:" + id)>`.
 * It carries only the id and is checked without storage. The secret may list several keys
 * separated by spaces: the first signs, any verifies (rotation with two keys valid at once).
 */
export const PARTICIPANT_ID = /^[A-Za-z0-9_-]{22}$/;
const SIGNATURE = /^[A-Za-z0-9_-]{43}$/;
const DEVELOPMENT_SECRET = "development-only-participant-token-secret";

const keyCache = new Map<string, Promise<CryptoKey>>();

function hmacKey(secret: string): Promise<CryptoKey> {
	let key = keyCache.get(secret);
	if (!key) {
		key = crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
			"sign",
			"verify",
		]);
		keyCache.set(secret, key);
	}
	return key;
}

const secretsOf = (configured: string | undefined): string[] => {
	const secrets = (configured ?? "").split(/\s+/).filter(Boolean);
	return secrets.length > 0 ? secrets : [DEVELOPMENT_SECRET];
};

const signedText = (participantId: string) => new TextEncoder().encode(`participant:${participantId}`);

export const newParticipantId = (): string => toBase64Url(crypto.getRandomValues(new Uint8Array(16)));

export async function issueParticipantToken(
	participantId: string,
	configuredSecret: string | undefined,
): Promise<string> {
	const [signingSecret] = secretsOf(configuredSecret) as [string];
	const signature = await crypto.subtle.sign("HMAC", await hmacKey(signingSecret), signedText(participantId));
	return `${participantId}.${toBase64Url(signature)}`;
}

/** The participant id a token proves, or null for anything forged, tampered or malformed. */
export async function verifyParticipantToken(
	token: string,
	configuredSecret: string | undefined,
): Promise<string | null> {
	const [participantId, signatureText, ...rest] = token.split(".");
	if (rest.length > 0 || !participantId || !signatureText) return null;
	if (!PARTICIPANT_ID.test(participantId) || !SIGNATURE.test(signatureText)) return null;
	const signature = fromBase64Url(signatureText);
	if (!signature) return null;
	for (const secret of secretsOf(configuredSecret)) {
		// crypto.subtle.verify compares in constant time.
		if (await crypto.subtle.verify("HMAC", await hmacKey(secret), signature, signedText(participantId))) {
			return participantId;
		}
	}
	return null;
}
