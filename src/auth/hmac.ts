import { Problem } from "../http/problem";
import { fromBase64Url, toBase64Url } from "./base64url";

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

/**
 * The configured secret may list several keys separated by spaces: the first signs, any verifies.
 * There is no default key: routes check the secret first (http/secrets.ts); this is the backstop.
 */
const secretsOf = (configured: string | undefined): string[] => {
	const secrets = (configured ?? "").split(/\s+/).filter(Boolean);
	if (secrets.length === 0) {
		throw new Problem(503, "misconfigured", "Service not configured", "The signing secret is not configured.");
	}
	return secrets;
};

export async function sign(configured: string | undefined, text: string): Promise<string> {
	const [signing] = secretsOf(configured) as [string];
	return toBase64Url(await crypto.subtle.sign("HMAC", await hmacKey(signing), new TextEncoder().encode(text)));
}

/** True when `signature` signs `text` under any configured key (crypto.subtle.verify is constant-time). */
export async function verify(configured: string | undefined, text: string, signature: string): Promise<boolean> {
	if (!/^[A-Za-z0-9_-]{43}$/.test(signature)) return false;
	const bytes = fromBase64Url(signature);
	// Only the canonical spelling: the last character's two spare bits could otherwise vary.
	if (!bytes || toBase64Url(bytes) !== signature) return false;
	const data = new TextEncoder().encode(text);
	for (const secret of secretsOf(configured)) {
		if (await crypto.subtle.verify("HMAC", await hmacKey(secret), bytes, data)) return true;
	}
	return false;
}
