/** Boots the participant page: language, ceremony, the rites flow, counters, wall and map. */
import { whenVisible } from "../shared/when-visible.js";
import { getCurrentCeremony } from "./api.js";
import { $, h } from "./dom.js";
import { startFlow } from "./flow.js";
import { FlowState } from "./flow-state.js";
import { initialLang, lang, onLangChange, setLang, startLang, t } from "./i18n.js";
import { startMap } from "./map.js";
import { startStats } from "./stats.js";
import { loadTurnstile, siteKey } from "./turnstile.js";
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

/** @typedef {{refresh: (delay: number) => void}} Section */

/**
 * Starts a section's reads and drawing when it comes near the viewport: below the first screen,
 * they would only hold up the phone while it shows the first view.
 * @param {HTMLElement} section
 * @param {() => Section} start
 * @returns {Section}
 */
function whenNear(section, start) {
	/** @type {Section | null} */
	let started = null;
	whenVisible(
		section,
		() => {
			started = start();
		},
		"300px 0px",
	);
	return { refresh: (delay) => started?.refresh(delay) };
}

/** @param {() => void} fn runs after the page has loaded, when the main thread is idle */
function whenIdle(fn) {
	const idle = () =>
		"requestIdleCallback" in window ? requestIdleCallback(fn, { timeout: 5000 }) : setTimeout(fn, 1000);
	if (document.readyState === "complete") idle();
	else window.addEventListener("load", idle, { once: true });
}

/**
 * The first view's button is in the HTML, and its own handler comes only once the ceremony has
 * loaded: a tap before that, on a slow network, is kept here and acted on then.
 * @returns {() => boolean} whether the button was tapped early (and stop listening)
 */
function keepEarlyStart() {
	const early = document.querySelector("#start");
	let tapped = false;
	const tap = () => {
		tapped = true;
		early?.setAttribute("aria-busy", "true");
	};
	early?.addEventListener("click", tap, { once: true });
	return () => {
		early?.removeEventListener("click", tap);
		// Unmarked again, so that the page's own view finds the button as the HTML has it.
		early?.removeAttribute("aria-busy");
		return tapped;
	};
}

async function boot() {
	startLang(initialLang());
	wireLanguageSwitch();
	const tappedEarly = keepEarlyStart();
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
	const year = ceremony.year;
	// The map's ranked list comes at once; its drawing waits until the section is in view (map.js).
	const map = startMap(year);
	const flow = new FlowState(ceremony);
	const wall = whenNear($("#wall"), () => startWall(year, flow.withParticipant));
	const startNow = tappedEarly();
	startFlow(flow, {
		onCounted: () => {
			// Totals lag by up to 2 s: look again shortly after an offering is counted.
			stats.refresh(2500);
			map.refresh(3000);
			wall.refresh(3000);
		},
	});
	document.documentElement.classList.add("ready");
	if (startNow) /** @type {HTMLButtonElement | null} */ (document.querySelector("#start"))?.click();
	// With Turnstile on, a participant who has no token yet will need the widget: its script loads
	// once the page is idle, so the first view never waits for it.
	if (siteKey() && !flow.saved().token) whenIdle(() => loadTurnstile().catch(() => {}));
}

boot();
