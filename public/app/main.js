/** Boots the participant page: language, ceremony, the rites flow, counters, wall and map. */
import { certificateUrl, getCurrentCeremony } from "./api.js";
import { $, h } from "./dom.js";
import { startFlow, withParticipant } from "./flow.js";
import { initialLang, lang, onLangChange, setLang, t } from "./i18n.js";
import { startMap } from "./map.js";
import { startStats } from "./stats.js";
import { startWall } from "./wall.js";

function wireLanguageSwitch() {
	const buttons = /** @type {NodeListOf<HTMLButtonElement>} */ (
		document.querySelectorAll(".lang-switch button[data-lang]")
	);
	const mark = () => {
		for (const b of buttons) b.setAttribute("aria-pressed", String(b.dataset.lang === lang()));
	};
	for (const b of buttons) {
		b.addEventListener("click", () => {
			setLang(/** @type {import("./i18n.js").Lang} */ (b.dataset.lang));
			b.focus();
		});
	}
	onLangChange(mark);
	mark();
}

/**
 * A shared certificate link: /?c=<participantId>&y=<year>.
 */
function showShared() {
	const q = new URLSearchParams(location.search);
	const id = q.get("c");
	const y = Number(q.get("y"));
	if (!id || !Number.isInteger(y)) return;
	const sec = $("#shared");
	const img = /** @type {HTMLImageElement} */ ($("#shared-img"));
	const paint = () => {
		img.src = certificateUrl(y, id, lang());
		img.alt = t("shared.heading");
	};
	paint();
	onLangChange(paint);
	sec.hidden = false;
}

async function boot() {
	setLang(initialLang());
	wireLanguageSwitch();
	showShared();
	let ceremony;
	try {
		ceremony = await getCurrentCeremony();
	} catch {
		const retry = h("button", { type: "button", class: "primary", text: t("error.retry") });
		retry.addEventListener("click", () => location.reload());
		$("#stage").replaceChildren(
			h("h1", { id: "step-heading", tabindex: "-1", text: t("site.subtitle") }),
			h("p", { class: "error", role: "alert", text: t("error.load") }),
			retry,
		);
		return;
	}
	const stats = startStats(ceremony.year);
	const map = startMap(ceremony.year);
	const wall = startWall(ceremony.year, withParticipant);
	startFlow(ceremony, {
		onCounted: () => {
			// Totals lag by up to 2 s: look again shortly after an offering is counted.
			stats.refresh(2500);
			map.refresh(3000);
			wall.refresh(3000);
		},
	});
	document.documentElement.classList.add("ready");
}

boot();
