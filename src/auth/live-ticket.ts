import { fromBase64Url, toBase64Url } from "./base64url";
import { sign, verify } from "./hmac";

/** How long a browser has to open its live socket with a ticket. */
export const TICKET_TTL_MS = 30_000;

export interface LiveTicket {
	member: string;
	/** The ceremony whose socket the ticket opens: nonces are kept per ceremony, so a ticket is bound to one. */
	year: number;
	expiresAt: number;
	nonce: string;
}

/**
 * A ticket lets a browser open the live socket without putting its committee token in a URL:
 * `<member>.<year>.<expiry>.<nonce>.<HMAC>`, signed, valid 30 s, for one ceremony; that
 * ceremony's CeremonyDO records the nonce when it accepts the socket, so a ticket opens one socket only.
 */
export async function issueTicket(
	member: string,
	year: number,
	secret: string | undefined,
	now = Date.now(),
): Promise<{ ticket: string; expiresAt: number }> {
	const expiresAt = now + TICKET_TTL_MS;
	const body = `${toBase64Url(new TextEncoder().encode(member))}.${year}.${expiresAt}.${toBase64Url(crypto.getRandomValues(new Uint8Array(12)))}`;
	return { ticket: `${body}.${await sign(secret, `ticket:${body}`)}`, expiresAt };
}

export async function verifyTicket(
	ticket: string,
	secret: string | undefined,
	now = Date.now(),
): Promise<LiveTicket | null> {
	const match = /^([A-Za-z0-9_-]{1,128})\.(\d{4})\.(\d{13})\.([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]{43})$/.exec(ticket);
	if (!match) return null;
	const [, memberText, year, expiry, nonce, signature] = match as unknown as [
		string,
		string,
		string,
		string,
		string,
		string,
	];
	if (!(await verify(secret, `ticket:${memberText}.${year}.${expiry}.${nonce}`, signature))) return null;
	const expiresAt = Number(expiry);
	if (expiresAt <= now) return null;
	const member = fromBase64Url(memberText);
	return member ? { member: new TextDecoder().decode(member), year: Number(year), expiresAt, nonce } : null;
}
