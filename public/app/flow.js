/**
 * The online rites on the stage: shows the step the flow state is at, and moves between steps.
 * The state and its transitions are in flow-state.js, sending offerings in offerings.js, and each
 * step's view in views/. Progress lives in the store, so a reload resumes where the participant
 * was and retries any pending offering with its Idempotency-Key.
 */
import { build } from "../shared/tree.js";
import { $ } from "./dom.js";
import { lang, onLangChange } from "./i18n.js";
import { Offerings } from "./offerings.js";
import { renderCertificate } from "./views/certificate.js";
import { renderProfile } from "./views/profile.js";
import { renderProgress } from "./views/progress.js";
import { renderRite } from "./views/rite.js";
import { showError } from "./views/step.js";
import { welcomeKey, welcomeView } from "./views/welcome.js";

/** @typedef {import("./flow-state.js").FlowState} FlowState */
/** @typedef {import("./flow-state.js").StepId} StepId */
/** @typedef {import("./views/step.js").StepContext} StepContext */

/**
 * Shows the flow's step on the stage and resumes pending offerings.
 * @param {FlowState} flow
 * @param {{onCounted?: () => void}} [opts]
 */
export function startFlow(flow, opts = {}) {
	/** Repaints of the rite steps on screen, by action. @type {StepContext["painters"]} */
	const painters = new Map();
	const offerings = new Offerings(flow, {
		changed: (action) => {
			painters.get(action)?.();
			renderProgress(flow);
		},
		counted: () => opts.onCounted?.(),
	});
	/** @type {StepContext} */
	const ctx = {
		flow,
		offerings,
		painters,
		progress: () => renderProgress(flow),
		go: (id) => {
			flow.moveTo(id);
			render(ctx, true);
			window.scrollTo({ top: Math.max(0, $("#rite").offsetTop - 8), behavior: "auto" });
		},
	};
	flow.resume();
	render(ctx, false);
	offerings.resume();
	onLangChange(() => render(ctx, false));
}

/**
 * @param {StepContext} ctx
 * @param {boolean} focus move focus to the new step's heading
 */
function render(ctx, focus) {
	renderProgress(ctx.flow);
	const root = $("#stage");
	const st = ctx.flow.currentStep();
	if (!st) return;
	if (st.id === "welcome") renderWelcome(root, ctx);
	else {
		root.replaceChildren();
		if ("rite" in st) renderRite(root, ctx, st.id, st.rite);
		else if (st.id === "profile") renderProfile(root, ctx);
		else renderCertificate(root, ctx);
	}
	if (focus) /** @type {HTMLElement} */ (root.querySelector("h1"))?.focus();
}

/**
 * The welcome step. The Worker sent it in the page for a first visit: when that markup is what this
 * participant should see, it stays and only its button is wired.
 * @param {HTMLElement} root
 * @param {StepContext} ctx
 */
function renderWelcome(root, { flow, go }) {
	const s = flow.saved();
	const start = flow.finished() ? "welcome.view" : flow.started() ? "welcome.resume" : "welcome.start";
	/** @type {import("./views/welcome.js").WelcomeProgress} */
	const progress = { start, canStart: flow.ceremony.status === "open" || Boolean(s.certificate) };
	if (root.dataset.firstView !== welcomeKey(lang(), flow.ceremony, progress)) {
		const nodes = welcomeView(lang(), flow.ceremony, progress).map(build);
		const sent = [...root.children];
		const same = sent.length === nodes.length && nodes.every((n, i) => n.isEqualNode(sent[i] ?? null));
		if (!same) root.replaceChildren(...nodes);
	}
	delete root.dataset.firstView;
	const button = /** @type {HTMLButtonElement} */ ($("#start", root));
	button.addEventListener("click", async () => {
		button.setAttribute("aria-busy", "true");
		button.setAttribute("disabled", "");
		try {
			await flow.ensureParticipant();
			go(flow.afterWelcome());
		} catch (e) {
			button.removeAttribute("disabled");
			button.removeAttribute("aria-busy");
			showError(root, e);
		}
	});
}
