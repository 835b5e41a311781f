import { welcomeKey, welcomeView } from "../../public/app/views/welcome.js";
import { type Lang, translate } from "../../public/shared/lang.js";
import { toHtml } from "../../public/shared/tree.js";
import type { Ceremony } from "../schemas/ceremony";

/**
 * The participant page's first view in the reader's language, written into the page's HTML: the
 * static text translated, the welcome step with the ceremony filled in. Script then only wires it.
 * With a Turnstile site key (production, Turnstile on) the page carries it for the widget, and its
 * footer no longer says that nothing comes from other sites.
 */
export function firstView(
	page: Response,
	lang: Lang,
	ceremony: Ceremony | null,
	turnstileSiteKey: string | null = null,
): Response {
	const t = (key: string) => translate(lang, key);
	const progress = { start: "welcome.start", canStart: ceremony?.status === "open" } as const;
	const stage = ceremony
		? welcomeView(lang, ceremony, progress).map(toHtml).join("")
		: // The ceremony could not be read: the page's script tries again and says so if it still fails.
			toHtml(["h1", { id: "step-heading", tabindex: "-1", text: t("site.subtitle") }, []]);
	const rewriter = new HTMLRewriter();
	if (turnstileSiteKey) {
		const siteKey = turnstileSiteKey;
		rewriter
			.on("head", {
				element: (e) =>
					void e.append(toHtml(["meta", { name: "turnstile-site-key", content: siteKey }, []]), { html: true }),
			})
			.on('[data-i18n="footer.note"]', {
				element: (e) => void e.setAttribute("data-i18n", "footer.noteTurnstile"),
			});
	}
	return rewriter
		.on("html", { element: (e) => void e.setAttribute("lang", lang) })
		.on("title", { element: (e) => void e.setInnerContent(t("doc.title")) })
		.on("[data-i18n]", {
			element: (e) => void e.setInnerContent(t(e.getAttribute("data-i18n") ?? "")),
		})
		.on("[data-i18n-attr]", {
			element: (e) => {
				for (const pair of (e.getAttribute("data-i18n-attr") ?? "").split(";")) {
					const [attr, key] = pair.split(":");
					if (attr && key) e.setAttribute(attr.trim(), t(key.trim()));
				}
			},
		})
		.on(".lang-switch button[data-lang]", {
			element: (e) => void e.setAttribute("aria-pressed", String(e.getAttribute("data-lang") === lang)),
		})
		.on("#stage", {
			element: (e) => {
				if (ceremony) e.setAttribute("data-first-view", welcomeKey(lang, ceremony, progress));
				e.setInnerContent(stage, { html: true });
			},
		})
		.transform(page);
}
