import { html } from "hono/html";
import { type Lang, translate } from "../../public/shared/lang.js";

export interface SharedCertificate {
	year: number;
	participantId: string;
	number: number;
	displayName: string | null;
	ceremonyName: string;
	/** The page's own address, for og:url. */
	url: string;
}

/**
 * A certificate's share page: the certificate, a way to save it as a picture and to take part, and
 * the Open Graph and Twitter card tags that make a pasted link preview with a title and a
 * description in the sharer's language.
 */
export function sharePage(lang: Lang, cert: SharedCertificate) {
	const t = (key: string, vars?: Record<string, string | number>) => translate(lang, key, vars);
	const name = cert.displayName || t("cert.anonymous");
	const title = `${t("cert.heading")} · ${name}`;
	const stop = lang === "en" ? ". " : "。";
	const description = `${t("cert.alt", { name, ceremony: cert.ceremonyName, n: cert.number })}${stop}${t("cert.shareText", { n: cert.number })}`;
	const svg = `/api/v1/ceremonies/${cert.year}/certificates/${cert.participantId}?lang=${lang}`;
	return html`<!DOCTYPE html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<meta name="theme-color" content="#7a1414">
<title>${title}</title>
<meta name="description" content="${description}">
<meta property="og:type" content="website">
<meta property="og:site_name" content="${t("doc.title")}">
<meta property="og:title" content="${title}">
<meta property="og:description" content="${description}">
<meta property="og:url" content="${cert.url}">
<meta property="og:locale" content="${lang === "en" ? "en" : lang === "zh-Hant" ? "zh_TW" : "zh_CN"}">
<meta name="twitter:card" content="summary">
<meta name="twitter:title" content="${title}">
<meta name="twitter:description" content="${description}">
<link rel="icon" href="/favicon.png" sizes="32x32" type="image/png">
<link rel="apple-touch-icon" href="/apple-touch-icon.png">
<link rel="stylesheet" href="/app/styles.css">
<script type="module" src="/share/main.js"></script>
</head>
<body>
<header class="masthead">
  <div class="masthead-inner">
    <div class="titles">
      <p class="site-title">${t("site.title")}</p>
      <p class="site-subtitle">${t("site.subtitle")}</p>
    </div>
  </div>
</header>
<main id="main" class="share-main">
  <section class="card shared" aria-labelledby="shared-heading">
    <h1 id="shared-heading">${t("shared.heading")}</h1>
    <p>${t("shared.lead")}</p>
    <img id="shared-img" class="certificate-img" src="${svg}" alt="${t("cert.alt", { name, ceremony: cert.ceremonyName, n: cert.number })}" width="1080" height="1440">
    <div class="buttons">
      <button type="button" class="secondary" id="save-png" data-svg="${svg}" data-filename="certificate-${cert.year}-${cert.number}.png" data-saving="${t("cert.saving")}" data-failed="${t("cert.saveFailed")}">${t("cert.save")}</button>
      <a class="primary button-link" href="/?lang=${lang}">${t("shared.join")}</a>
    </div>
    <p id="save-status" class="status" role="status"></p>
  </section>
</main>
</body>
</html>
`;
}
