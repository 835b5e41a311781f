/** The list of steps above the stage: done, pending and current. */
import { $, h } from "../dom.js";
import { pick, t } from "../i18n.js";

/** @param {import("../flow-state.js").FlowState} flow */
export function renderProgress(flow) {
	const s = flow.saved();
	const list = $("#progress");
	list.replaceChildren();
	list.hidden = flow.current === "welcome";
	flow.counted().forEach((st, i) => {
		const label = "rite" in st ? pick(st.rite.name) : t(`progress.${st.id}`);
		const a = s.actions[st.id];
		const done =
			st.id === "profile"
				? s.profileSaved
				: st.id === "certificate"
					? Boolean(s.certificate) && !flow.firstOpenAction()
					: a?.status === "done";
		const pending = a?.status === "pending";
		const cur = st.id === flow.current;
		const li = h(
			"li",
			{
				class: `${done ? "done" : ""}${pending ? " pending" : ""}${cur ? " current" : ""}`,
				"aria-current": cur ? "step" : null,
			},
			[
				h("span", { class: "mark", "aria-hidden": "true", text: done ? "✓" : pending ? "…" : String(i + 1) }),
				h("span", { class: "label", text: label }),
				done ? h("span", { class: "visually-hidden", text: `（${t("progress.done")}）` }) : null,
				pending ? h("span", { class: "visually-hidden", text: `（${t("action.pending")}）` }) : null,
			],
		);
		list.append(li);
	});
}
