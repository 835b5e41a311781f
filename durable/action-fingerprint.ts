import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { toBase64Url } from "../src/auth/base64url";

const utf8 = new TextEncoder();

/**
 * The salted fingerprint an action's log row keeps of its body: the first 16 bytes of
 * HMAC-SHA-256 under the shard's own salt, so the log holds neither the text nor a plain hash of
 * it that one could confirm by hashing a guess.
 *
 * It is computed synchronously in JavaScript, with the key's inner and outer states prepared once:
 * WebCrypto's `sign` gave the same bytes but cost a promise and a runtime call per action, and
 * made the shard wait a turn before a batch could join the next commit. The bytes are the same
 * as WebCrypto's, so a retry of an action logged by an earlier release is still recognised.
 */
export class ActionFingerprint {
	private readonly keyed: ReturnType<typeof hmac.create>;

	constructor(salt: string) {
		this.keyed = hmac.create(sha256, utf8.encode(salt));
	}

	of(body: string): string {
		return toBase64Url(this.keyed.clone().update(utf8.encode(body)).digest().subarray(0, 16));
	}
}
