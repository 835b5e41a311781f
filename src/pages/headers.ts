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

/**
 * A page the Worker made from an asset, with the page headers; it depends on the language the
 * request asks for, so it is never shared between people.
 */
export function pageResponse(body: ReadableStream | string | null, init: ResponseInit = {}): Response {
	const res = new Response(body, init);
	res.headers.set("content-type", "text/html; charset=utf-8");
	for (const [name, value] of Object.entries(PAGE_HEADERS)) res.headers.set(name, value);
	res.headers.set("cache-control", "private, no-cache");
	res.headers.set("vary", "Accept-Language, Cookie");
	return res;
}
