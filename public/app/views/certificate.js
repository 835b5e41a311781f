/** The certificate step: the participant's number, the certificate, saving it, and its share link. */
import * as api from "../api.js";
import { h } from "../dom.js";
import { fmtNumber, lang, pick, t } from "../i18n.js";
import { appendAll, stepCount } from "./step.js";

/**
 * The buttons that save the certificate as a PNG, copy its link and share it.
 * @param {{svgUrl: string, shareUrl: string, fileName: string, title: string, text: string}} cert
 * @param {HTMLElement} status
 * @param {HTMLInputElement} linkInput
 */
function certificateButtons(cert, status, linkInput) {
	const save = h("button", { type: "button", class: "primary", id: "save-png", text: t("cert.save") });
	save.addEventListener("click", async () => {
		save.setAttribute("disabled", "");
		status.textContent = t("cert.saving");
		try {
			const { downloadCertificatePng } = await import("../certificate.js");
			await downloadCertificatePng(cert.svgUrl, cert.fileName);
			status.textContent = "";
		} catch {
			status.textContent = t("cert.saveFailed");
		} finally {
			save.removeAttribute("disabled");
		}
	});
	const copy = h("button", { type: "button", class: "secondary", id: "copy-link", text: t("cert.copy") });
	copy.addEventListener("click", async () => {
		try {
			await navigator.clipboard.writeText(cert.shareUrl);
		} catch {
			linkInput.select();
			document.execCommand?.("copy");
		}
		status.textContent = t("cert.copied");
	});
	const buttons = h("div", { class: "buttons" }, [save, copy]);
	if (typeof navigator.share === "function") {
		const share = h("button", { type: "button", class: "secondary", id: "share", text: t("cert.share") });
		share.addEventListener("click", () => {
			navigator.share({ title: cert.title, text: cert.text, url: cert.shareUrl }).catch(() => {});
		});
		buttons.append(share);
	}
	return buttons;
}

/**
 * @param {HTMLElement} root
 * @param {import("./step.js").StepContext} ctx
 */
export function renderCertificate(root, { flow, go }) {
	const s = flow.saved();
	const cert = s.certificate;
	if (!cert || !s.participantId) {
		go(flow.firstOpenAction() ?? "welcome");
		return;
	}
	const year = flow.year;
	const name = s.displayName || flow.me?.displayName || t("cert.anonymous");
	const ceremonyName = pick(flow.ceremony.name);
	const svgUrl = api.certificateUrl(year, s.participantId, lang());
	const shareUrl = `${location.origin}/c/${year}/${encodeURIComponent(s.participantId)}?lang=${lang()}`;
	const status = h("p", { class: "status", role: "status" });
	const img = h("img", {
		class: "certificate-img",
		id: "certificate-img",
		src: svgUrl,
		alt: t("cert.alt", { name, ceremony: ceremonyName, n: fmtNumber(cert.number) }),
		width: 1080,
		height: 1440,
		decoding: "async",
	});
	const linkInput = /** @type {HTMLInputElement} */ (
		h("input", { id: "share-link", type: "url", readonly: true, value: shareUrl })
	);
	const buttons = certificateButtons(
		{
			svgUrl,
			shareUrl,
			fileName: `baizu-${year}-${cert.number}.png`,
			title: ceremonyName,
			text: t("cert.shareText", { n: cert.number }),
		},
		status,
		linkInput,
	);

	const qrBox = h("figure", { class: "qr-box" }, [h("figcaption", { text: t("cert.qr") })]);
	import("../qr.js").then(({ qrSvg }) => qrBox.prepend(qrSvg(shareUrl, t("cert.qr")))).catch(() => qrBox.remove());

	appendAll(
		root,
		stepCount(flow, "certificate"),
		h("h1", { id: "step-heading", tabindex: "-1", text: t("cert.heading") }),
		h("p", { class: "cert-number", id: "cert-number", text: t("cert.number", { n: fmtNumber(cert.number) }) }),
		h("p", { class: "cert-name", text: t("cert.name", { name }) }),
		h("p", { class: "lead", text: t("cert.thanks", { ceremony: ceremonyName }) }),
		h("figure", { class: "certificate" }, [img]),
		buttons,
		status,
		h("div", { class: "share" }, [
			h("div", { class: "field" }, [h("label", { for: "share-link", text: t("cert.link") }), linkInput]),
			qrBox,
		]),
	);
}
