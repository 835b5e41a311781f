/** What every step of the rites shares: what its view is given, the "step n of m" line, the error line. */
import * as api from "../api.js";
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { HumanCheckError } from "../turnstile.js";

/**
 * What a step's view is given: the flow's state, the offerings, and the moves it may make.
 * @typedef {{
 *   flow: import("../flow-state.js").FlowState,
 *   offerings: import("../offerings.js").Offerings,
 *   go: (id: import("../flow-state.js").StepId) => void,
 *   progress: () => void,
 *   painters: Map<import("../api.js").ActionType, () => void>,
 * }} StepContext
 */

/**
 * Appends the nodes that are not null (Element.append would write "null").
 * @param {HTMLElement} root
 * @param {(Node | null | undefined | false)[]} nodes
 */
export function appendAll(root, ...nodes) {
	for (const n of nodes) if (n) root.append(n);
}

/**
 * @param {import("../flow-state.js").FlowState} flow
 * @param {import("../flow-state.js").StepId} id
 */
export function stepCount(flow, id) {
	const shown = flow.counted();
	return h("p", {
		class: "step-count",
		text: t("step.of", { n: shown.findIndex((x) => x.id === id) + 1, total: shown.length }),
	});
}

/**
 * @param {HTMLElement} root
 * @param {unknown} e
 */
export function showError(root, e) {
	root.querySelector(".error")?.remove();
	const detail = e instanceof api.HttpError ? e.problem?.detail || e.problem?.title || e.message : "";
	const text = e instanceof HumanCheckError ? e.message : detail ? `${t("error.load")} (${detail})` : t("error.load");
	appendAll(root, h("p", { class: "error", role: "alert", text }));
}
