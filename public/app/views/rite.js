/**
 * A rite's step: its art, the button that offers it (a blessing's text first), the status of the
 * offering while it is sent, and the way on once it is counted.
 */
import { artFor, playArt } from "../art.js";
import { h, uuid } from "../dom.js";
import { lang, pick, t } from "../i18n.js";
import { PRESETS } from "../presets.js";
import { appendAll, stepCount } from "./step.js";

/** @typedef {import("../flow-state.js").FlowState} FlowState */
/** @typedef {import("../api.js").ActionType} ActionType */

const MAX_BLESSING = 200;

/**
 * The blessing's text box, its counter and the preset blessings.
 * @param {FlowState} flow
 * @param {string} text what the box starts with
 * @param {boolean} locked the blessing is sent: the text can no longer change
 */
function blessingForm(flow, text, locked) {
	const counter = h("p", { id: "blessing-count", class: "hint", "aria-live": "polite" });
	const ta = /** @type {HTMLTextAreaElement} */ (
		h("textarea", {
			id: "blessing",
			name: "blessing",
			rows: 3,
			maxlength: MAX_BLESSING,
			"aria-describedby": "blessing-hint blessing-count",
		})
	);
	ta.value = text;
	const count = () => {
		counter.textContent = t("blessing.count", { n: Math.max(0, MAX_BLESSING - [...ta.value].length) });
	};
	ta.addEventListener("input", () => {
		flow.blessingDraft = ta.value;
		count();
	});
	count();
	const presets = h("div", { class: "presets" });
	for (const p of PRESETS) {
		const preset = lang() === "zh-Hant" ? p["zh-Hant"] : p["zh-Hans"];
		const b = h("button", { type: "button", class: "preset" }, [
			h("span", { lang: lang() === "zh-Hant" ? "zh-Hant" : "zh-Hans", text: preset }),
			lang() === "en" ? h("span", { class: "gloss", text: p.en }) : null,
		]);
		b.addEventListener("click", () => {
			ta.value = preset;
			flow.blessingDraft = preset;
			count();
			ta.focus();
		});
		presets.append(b);
	}
	const form = h("div", { class: "blessing-form" }, [
		h("label", { for: "blessing", text: t("blessing.label") }),
		ta,
		h("p", { id: "blessing-hint", class: "hint", text: t("blessing.hint") }),
		counter,
		h("fieldset", { class: "preset-set" }, [h("legend", { text: t("blessing.presets") }), presets]),
	]);
	if (locked) {
		ta.readOnly = true;
		for (const b of presets.querySelectorAll("button")) b.setAttribute("disabled", "");
	}
	return { form, textarea: ta };
}

/**
 * The blessing to send, or the status line that says why it cannot go.
 * @param {HTMLTextAreaElement} textarea
 * @returns {{message: string} | {problem: import("../flow-state.js").StatusLine}}
 */
function blessingToSend(textarea) {
	const message = textarea.value.trim();
	if (!message) return { problem: { key: "blessing.empty", error: true } };
	if ([...message].length > MAX_BLESSING) return { problem: { key: "blessing.tooLong", error: true } };
	return { message };
}

/**
 * @param {HTMLElement} root
 * @param {import("./step.js").StepContext} ctx
 * @param {ActionType} action
 * @param {import("../api.js").Rite} rite
 */
export function renderRite(root, ctx, action, rite) {
	const { flow, offerings, go } = ctx;
	const a = flow.saved().actions[action];
	const done = a?.status === "done";
	const art = artFor(action, done);
	const status = h("p", { class: "status", role: "status", "aria-live": "polite" });
	const button = h("button", { type: "button", class: "primary act", id: "act", text: t(`rite.${action}.button`) });
	const retryNow = h("button", {
		type: "button",
		class: "secondary",
		id: "retry-now",
		text: t("action.retryNow"),
		hidden: true,
	});
	const nextId = flow.nextAfter(action);
	const nextStep = flow.steps[flow.stepIndex(nextId)];
	const next = h("button", {
		type: "button",
		class: "primary",
		id: "next",
		text:
			nextId === "certificate"
				? t("rite.finish")
				: t("rite.next", { name: pick(nextStep && "rite" in nextStep ? nextStep.rite.name : undefined) }),
		hidden: !done,
	});
	next.addEventListener("click", () => go(flow.nextAfter(action)));
	retryNow.addEventListener("click", () => offerings.wake(action));

	const blessing =
		action === "blessing"
			? blessingForm(flow, a?.message ?? flow.blessingDraft, done || a?.status === "pending")
			: null;
	const textarea = blessing?.textarea ?? null;

	const paint = () => {
		const cur = flow.saved().actions[action];
		const st = flow.statusOf.get(action);
		if (cur?.status === "done") {
			// While the animation plays, the next step waits for it.
			const anim = flow.playing.has(action);
			status.textContent = `✓ ${t(`rite.${action}.done`)}`;
			status.className = "status ok";
			button.hidden = !anim;
			retryNow.hidden = true;
			next.hidden = anim;
		} else if (cur?.status === "pending") {
			status.textContent = st ? t(st.key, st.vars) : t("action.pending");
			status.className = "status pending";
			button.hidden = false;
			button.setAttribute("disabled", "");
			button.setAttribute("aria-busy", "true");
			retryNow.hidden = !(st && st.key !== "action.pending");
		} else {
			const open = flow.ceremony.status === "open";
			status.textContent = st ? t(st.key, st.vars) : open ? "" : t("action.closed");
			status.className = st?.error ? "status error" : "status";
			button.hidden = false;
			button.removeAttribute("aria-busy");
			button.toggleAttribute("disabled", !open);
			retryNow.hidden = true;
		}
	};
	paint();
	ctx.painters.set(action, paint);

	button.addEventListener("click", async () => {
		if (button.hasAttribute("disabled")) return;
		button.setAttribute("disabled", ""); // no second key from a double click
		/** @type {string | undefined} */
		let message;
		if (textarea) {
			const checked = blessingToSend(textarea);
			if ("problem" in checked) {
				flow.statusOf.set(action, checked.problem);
				paint();
				textarea.focus();
				return;
			}
			message = checked.message;
			textarea.readOnly = true;
		}
		try {
			await flow.ensureParticipant();
		} catch (e) {
			flow.statusOf.set(action, {
				key: "action.failed",
				vars: { detail: e instanceof Error ? e.message : String(e) },
				error: true,
			});
			paint();
			if (textarea) textarea.readOnly = false;
			return;
		}
		const key = uuid();
		flow.update((x) => {
			x.actions[action] = { status: "pending", key, ...(message ? { message } : {}) };
		});
		flow.statusOf.set(action, { key: "action.pending" });
		ctx.progress();
		paint();
		flow.playing.add(action);
		const [, ok] = await Promise.all([
			playArt(art, action).finally(() => flow.playing.delete(action)),
			offerings.send(action),
		]);
		if (!art.isConnected) return;
		paint();
		if (ok) /** @type {HTMLElement} */ (root.querySelector("#next"))?.focus();
		else if (textarea) textarea.readOnly = false;
	});

	appendAll(
		root,
		stepCount(flow, action),
		h("h1", { id: "step-heading", tabindex: "-1", text: pick(rite.name) }),
		h("p", { class: "lead", text: t(`rite.${action}.lead`) }),
		art,
		blessing?.form,
		status,
		h("div", { class: "buttons" }, [button, retryNow, next]),
	);
}
