/**
 * The headers public/_headers gives every page. The platform applies _headers only to assets it
 * serves itself, not to pages the Worker sends, so the Worker sets the same ones (a test keeps the
 * two equal).
 */
export const PAGE_HEADERS: Record<string, string> = {
	"content-security-policy":
		"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; media-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
	"x-content-type-options": "nosniff",
	"referrer-policy": "strict-origin-when-cross-origin",
	"permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
	"cross-origin-opener-policy": "same-origin",
};

/** Where Cloudflare Turnstile's script and widget frame come from. */
export const TURNSTILE_ORIGIN = "https://challenges.cloudflare.com";

/**
 * The page's Content-Security-Policy when it renders the Turnstile widget: Turnstile's origin
 * added to script-src and frame-src (default-src 'self' covers frames otherwise), nothing else.
 */
export const TURNSTILE_CSP = (PAGE_HEADERS["content-security-policy"] ?? "")
	.replace("script-src 'self';", `script-src 'self' ${TURNSTILE_ORIGIN};`)
	.replace("object-src 'none';", `frame-src ${TURNSTILE_ORIGIN}; object-src 'none';`);

/**
 * A page the Worker made from an asset, with the page headers; it depends on the language the
 * request asks for, so it is never shared between people. `turnstile`: the page renders the
 * Turnstile widget, and its policy lets exactly that load.
 */
export function pageResponse(
	body: ReadableStream | string | null,
	init: ResponseInit = {},
	{ turnstile = false }: { turnstile?: boolean } = {},
): Response {
	const res = new Response(body, init);
	res.headers.set("content-type", "text/html; charset=utf-8");
	for (const [name, value] of Object.entries(PAGE_HEADERS)) res.headers.set(name, value);
	if (turnstile) res.headers.set("content-security-policy", TURNSTILE_CSP);
	res.headers.set("cache-control", "private, no-cache");
	res.headers.set("vary", "Accept-Language, Cookie");
	return res;
}
