/** The name and region step: both optional; the region is fixed once an offering is counted. */
import * as api from "../api.js";
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { allRegions } from "../regions.js";
import { appendAll, showError, stepCount } from "./step.js";

const MAX_NAME = 32;

/**
 * @param {HTMLElement} root
 * @param {import("./step.js").StepContext} ctx
 */
export function renderProfile(root, { flow, go }) {
	const s = flow.saved();
	const form = h("form", { class: "profile-form", novalidate: true });
	const nameInput = /** @type {HTMLInputElement} */ (
		h("input", {
			id: "name",
			name: "name",
			type: "text",
			maxlength: MAX_NAME,
			autocomplete: "name",
			value: flow.nameDraft ?? s.displayName,
			"aria-describedby": "name-hint",
		})
	);
	nameInput.addEventListener("input", () => {
		flow.nameDraft = nameInput.value;
	});
	const select = /** @type {HTMLSelectElement} */ (
		h("select", { id: "region", name: "region", "aria-describedby": "region-note" })
	);
	const note = h("p", { id: "region-note", class: "hint" });
	const status = h("p", { class: "status", role: "status" });
	const submit = h("button", { type: "submit", class: "primary", text: t("profile.next") });

	const fillRegions = () => {
		const me = flow.me;
		const chosen = s.region || me?.region || me?.suggestedRegion || "";
		select.replaceChildren(h("option", { value: "", text: t("profile.region.none") }));
		const regions = allRegions();
		const top = chosen ? regions.filter((r) => r.code === chosen) : [];
		for (const r of [...top, ...regions.filter((r) => r.code !== chosen)]) {
			select.append(h("option", { value: r.code, text: r.name }));
		}
		select.value = chosen;
		const fixed = Boolean(me?.regionFixed);
		select.disabled = fixed;
		note.textContent = fixed ? t("profile.region.fixed") : "";
		if (me?.displayName && !nameInput.value) nameInput.value = me.displayName;
	};
	fillRegions();
	if (s.token) {
		submit.setAttribute("disabled", "");
		api
			.getMe(flow.year, s.token)
			.then((m) => {
				flow.me = m;
				if (!form.isConnected) return;
				fillRegions();
			})
			.catch(() => {})
			.finally(() => submit.removeAttribute("disabled"));
	}

	form.addEventListener("submit", async (ev) => {
		ev.preventDefault();
		const displayName = nameInput.value.trim().slice(0, MAX_NAME);
		const region = select.disabled ? "" : select.value;
		submit.setAttribute("disabled", "");
		status.textContent = t("profile.saving");
		try {
			/** @type {{displayName?: string, region?: string}} */
			const body = {};
			if (displayName || flow.me?.displayName) body.displayName = displayName;
			if (region) body.region = region;
			if (Object.keys(body).length) {
				await flow.withParticipant(async ({ token }) => {
					try {
						flow.me = await api.putMe(flow.year, token, body);
					} catch (e) {
						// The region was fixed meanwhile: keep the name, drop the region.
						if (e instanceof api.HttpError && e.status === 409 && body.region) {
							delete body.region;
							if (Object.keys(body).length) flow.me = await api.putMe(flow.year, token, body);
						} else throw e;
					}
				});
			} else await flow.ensureParticipant();
			flow.update((x) => {
				x.displayName = displayName;
				x.region = region;
				x.profileSaved = true;
			});
			go(flow.nextAfter("profile"));
		} catch (e) {
			submit.removeAttribute("disabled");
			status.textContent = "";
			showError(root, e);
		}
	});

	form.append(
		h("div", { class: "field" }, [
			h("label", { for: "name", text: t("profile.name") }),
			nameInput,
			h("p", { id: "name-hint", class: "hint", text: t("profile.name.hint") }),
		]),
		h("div", { class: "field" }, [h("label", { for: "region", text: t("profile.region") }), select, note]),
		status,
		h("div", { class: "buttons" }, [submit]),
	);
	appendAll(
		root,
		stepCount(flow, "profile"),
		h("h1", { id: "step-heading", tabindex: "-1", text: t("profile.heading") }),
		h("p", { class: "lead", text: t("profile.lead") }),
		form,
	);
}
