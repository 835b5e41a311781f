import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import { firstMatch, isLang, LANG_COOKIE, type Lang } from "../../public/shared/lang.js";

/** Accept-Language's tags, most preferred first (RFC 9110 §12.5.4); tags with q=0 are refused. */
export function preferredTags(header: string | undefined): string[] {
	if (!header) return [];
	return header
		.split(",")
		.map((part, index) => {
			const [tag = "", ...params] = part.trim().split(";");
			const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
			const weight = q ? Number.parseFloat(q.slice(2)) : 1;
			return { tag: tag.trim(), weight: Number.isFinite(weight) ? weight : 0, index };
		})
		.filter((x) => x.tag && x.tag !== "*" && x.weight > 0)
		.sort((a, b) => b.weight - a.weight || a.index - b.index)
		.map((x) => x.tag);
}

/**
 * The page's language as the page itself would choose it: `?lang=`, else the language chosen on
 * the page before (its cookie), else the browser's preferences.
 */
export function pageLang(c: Context): Lang {
	const fromUrl = c.req.query("lang");
	if (isLang(fromUrl)) return fromUrl;
	const chosen = getCookie(c, LANG_COOKIE);
	if (isLang(chosen)) return chosen;
	return firstMatch(preferredTags(c.req.header("accept-language")));
}
