/** The short animation of each rite. CSS does the drawing; this only switches classes and waits. */
import { fromTemplate, h, reducedMotion, sleep } from "./dom.js";

/** Milliseconds each animation runs (kept in step with styles.css). */
const DURATION = { flower: 1800, incense: 2400, bow: 2700, blessing: 2000 };

/**
 * @param {string} action
 * @param {boolean} done
 * @returns {HTMLElement}
 */
export function artFor(action, done) {
	const el = h("div", { class: `art art-${action}${done ? " is-done" : ""}`, "aria-hidden": "true" });
	if (document.getElementById(`art-${action}`)) el.append(fromTemplate(`art-${action}`));
	return el;
}

/**
 * Plays the animation once, then leaves the art in its finished state.
 * @param {HTMLElement} el
 * @param {string} action
 */
export async function playArt(el, action) {
	if (reducedMotion()) {
		el.classList.add("is-done");
		return;
	}
	el.classList.remove("is-done");
	el.classList.add("is-playing");
	await sleep(DURATION[/** @type {keyof typeof DURATION} */ (action)] ?? 1500);
	el.classList.remove("is-playing");
	el.classList.add("is-done");
}
