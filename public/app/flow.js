/**
 * The online rites as one flow: welcome → name and region → one step per rite that has an online
 * action, in the ceremony's order → certificate. Progress lives in the store, so a reload resumes
 * where the participant was and retries any pending offering with its Idempotency-Key.
 */

import { build } from "../shared/tree.js";
import * as api from "./api.js";
import { artFor, playArt } from "./art.js";
import { $, h, uuid } from "./dom.js";
import { fmtNumber, lang, onLangChange, pick, t } from "./i18n.js";
import { PRESETS } from "./presets.js";
import { allRegions } from "./regions.js";
import * as store from "./store.js";
import { welcomeView } from "./views/welcome.js";

const ACTIONS = ["flower", "incense", "bow", "blessing"];
const MAX_BLESSING = 200;
const MAX_NAME = 32;

/** @type {any} */
let ceremony = null;
/** @type {number} */
let year = 0;
/** @type {{id: string, rite?: any}[]} */
let steps = [];
/** @type {string} */
let currentStep = "welcome";
/** The last participant profile read from the API. @type {any} */
let me = null;
/** @type {Map<string, Promise<void>>} */
const inflight = new Map();
/** @type {Map<string, () => void>} */
const wakers = new Map();
/** Status line of each action: an i18n key and its values. @type {Map<string, {key: string, vars?: any, error?: boolean}>} */
const statusOf = new Map();
let blessingDraft = "";
/** The name typed but not saved yet. @type {string | null} */
let nameDraft = null;
/** @type {() => void} */
let onCounted = () => {};

const stage = () => $("#stage");

/**
 * @param {any} c the ceremony from GET /ceremonies/current
 * @param {{onCounted?: () => void}} [opts]
 */
export function startFlow(c, opts = {}) {
	ceremony = c;
	year = c.year;
	onCounted = opts.onCounted ?? onCounted;
	const seen = new Set();
	steps = [{ id: "welcome" }, { id: "profile" }];
	for (const rite of c.rites || []) {
		if (rite.action && ACTIONS.includes(rite.action) && !seen.has(rite.action)) {
			seen.add(rite.action);
			steps.push({ id: rite.action, rite });
		}
	}
	steps.push({ id: "certificate" });

	const s = store.load(year);
	blessingDraft = s.actions.blessing?.message ?? "";
	currentStep = steps.some((x) => x.id === s.step) ? s.step : "welcome";
	if (currentStep === "certificate" && !s.certificate) currentStep = nextAfter("profile");
	render(false);

	// Resume offerings that were sent but not confirmed before the page was closed.
	for (const [action, a] of Object.entries(s.actions)) {
		if (a.status === "pending" && s.token) runAction(action);
	}
	onLangChange(() => render(false));
}

/** @returns {{participantId: string, token: string}} */
function _creds() {
	const s = store.load(year);
	return { participantId: /** @type {string} */ (s.participantId), token: /** @type {string} */ (s.token) };
}

/**
 * Creates the participant on first need and keeps the token.
 * @returns {Promise<{participantId: string, token: string}>}
 */
export async function ensureParticipant() {
	const s = store.load(year);
	if (s.token && s.participantId) return { participantId: s.participantId, token: s.token };
	const p = await api.createParticipant(lang());
	store.update(year, (x) => {
		x.participantId = p.participantId;
		x.token = p.token;
	});
	return p;
}

/**
 * Runs `fn` with the participant's credentials. A token the service no longer accepts (401: the
 * signing secret changed) is dropped with the progress it carried, and a new participant is made.
 * @template T
 * @param {(c: {participantId: string, token: string}) => Promise<T>} fn
 * @returns {Promise<T>}
 */
export async function withParticipant(fn) {
	try {
		return await fn(await ensureParticipant());
	} catch (e) {
		if (!(e instanceof api.HttpError && e.status === 401)) throw e;
		resetParticipant();
		return fn(await ensureParticipant());
	}
}

/** Forgets a participant whose token the service refuses. */
function resetParticipant() {
	store.update(year, (x) => {
		x.participantId = null;
		x.token = null;
		x.actions = {};
		x.certificate = null;
		x.reported = [];
	});
	me = null;
}

/**
 * Appends the nodes that are not null (Element.append would write "null").
 * @param {HTMLElement} root
 * @param {(Node | null | undefined | false)[]} nodes
 */
function appendAll(root, ...nodes) {
	for (const n of nodes) if (n) root.append(n);
}

/** @param {string} id */
function stepIndex(id) {
	return steps.findIndex((x) => x.id === id);
}

/**
 * The step to show after `id`: the next action not yet done, else the certificate.
 * @param {string} id
 */
function nextAfter(id) {
	const s = store.load(year);
	for (const st of steps.slice(stepIndex(id) + 1)) {
		if (st.id === "certificate") return s.certificate ? "certificate" : (firstOpenAction() ?? "certificate");
		if (ACTIONS.includes(st.id) && s.actions[st.id]?.status !== "done") return st.id;
	}
	return "certificate";
}

function firstOpenAction() {
	const s = store.load(year);
	return steps.find((st) => ACTIONS.includes(st.id) && s.actions[st.id]?.status !== "done")?.id ?? null;
}

/** @param {string} id */
function go(id) {
	currentStep = id;
	store.update(year, (s) => {
		s.step = id;
	});
	render(true);
	window.scrollTo({ top: Math.max(0, $("#rite").offsetTop - 8), behavior: "auto" });
}

/** @param {boolean} focus move focus to the new step's heading */
function render(focus) {
	renderProgress();
	const root = stage();
	const st = steps[stepIndex(currentStep)] ?? steps[0];
	if (!st) return;
	if (st.id !== "welcome") root.replaceChildren();
	if (st.id === "welcome") renderWelcome(root);
	else if (st.id === "profile") renderProfile(root);
	else if (st.id === "certificate") renderCertificate(root);
	else renderRite(root, st.id, st.rite);
	if (focus) /** @type {HTMLElement} */ (root.querySelector("h1"))?.focus();
}

function renderProgress() {
	const s = store.load(year);
	const list = $("#progress");
	list.replaceChildren();
	list.hidden = currentStep === "welcome";
	const shown = steps.filter((x) => x.id !== "welcome");
	shown.forEach((st, i) => {
		const label =
			st.id === "profile"
				? t("progress.profile")
				: st.id === "certificate"
					? t("progress.certificate")
					: pick(st.rite?.name);
		const a = s.actions[st.id];
		const done =
			st.id === "profile"
				? s.profileSaved
				: st.id === "certificate"
					? Boolean(s.certificate) && !firstOpenAction()
					: a?.status === "done";
		const pending = a?.status === "pending";
		const cur = st.id === currentStep;
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

/** @param {string} id */
function stepCount(id) {
	const shown = steps.filter((x) => x.id !== "welcome");
	return h("p", {
		class: "step-count",
		text: t("step.of", { n: shown.findIndex((x) => x.id === id) + 1, total: shown.length }),
	});
}

/**
 * The welcome step. The Worker sent it in the page for a first visit: when that markup is what this
 * participant should see, it stays and only its button is wired.
 * @param {HTMLElement} root
 */
function renderWelcome(root) {
	const s = store.load(year);
	const started = Boolean(s.participantId) && (s.profileSaved || Object.keys(s.actions).length > 0);
	const start = s.certificate && !firstOpenAction() ? "welcome.view" : started ? "welcome.resume" : "welcome.start";
	const nodes = welcomeView(lang(), ceremony, {
		start,
		canStart: ceremony.status === "open" || Boolean(s.certificate),
	}).map(build);
	const sent = [...root.children];
	const same = sent.length === nodes.length && nodes.every((n, i) => n.isEqualNode(sent[i] ?? null));
	if (!same) root.replaceChildren(...nodes);
	delete root.dataset.firstView;
	const button = /** @type {HTMLButtonElement} */ ($("#start", root));
	button.addEventListener("click", async () => {
		button.setAttribute("aria-busy", "true");
		button.setAttribute("disabled", "");
		try {
			await ensureParticipant();
			const now = store.load(year);
			go(now.certificate && !firstOpenAction() ? "certificate" : now.profileSaved ? nextAfter("profile") : "profile");
		} catch (e) {
			button.removeAttribute("disabled");
			button.removeAttribute("aria-busy");
			showError(root, e);
		}
	});
}

/**
 * @param {HTMLElement} root
 * @param {unknown} e
 */
function showError(root, e) {
	root.querySelector(".error")?.remove();
	const detail = e instanceof api.HttpError ? e.problem?.detail || e.problem?.title || e.message : "";
	appendAll(
		root,
		h("p", { class: "error", role: "alert", text: detail ? `${t("error.load")} (${detail})` : t("error.load") }),
	);
}

/** @param {HTMLElement} root */
function renderProfile(root) {
	const s = store.load(year);
	const form = h("form", { class: "profile-form", novalidate: true });
	const nameInput = /** @type {HTMLInputElement} */ (
		h("input", {
			id: "name",
			name: "name",
			type: "text",
			maxlength: MAX_NAME,
			autocomplete: "name",
			value: nameDraft ?? s.displayName,
			"aria-describedby": "name-hint",
		})
	);
	nameInput.addEventListener("input", () => {
		nameDraft = nameInput.value;
	});
	const select = /** @type {HTMLSelectElement} */ (
		h("select", { id: "region", name: "region", "aria-describedby": "region-note" })
	);
	const note = h("p", { id: "region-note", class: "hint" });
	const status = h("p", { class: "status", role: "status" });
	const submit = h("button", { type: "submit", class: "primary", text: t("profile.next") });

	const fillRegions = () => {
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
			.getMe(year, /** @type {string} */ (s.token))
			.then((m) => {
				me = m;
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
			if (displayName || me?.displayName) body.displayName = displayName;
			if (region) body.region = region;
			if (Object.keys(body).length) {
				await withParticipant(async ({ token }) => {
					try {
						me = await api.putMe(year, token, body);
					} catch (e) {
						// The region was fixed meanwhile: keep the name, drop the region.
						if (e instanceof api.HttpError && e.status === 409 && body.region) {
							delete body.region;
							if (Object.keys(body).length) me = await api.putMe(year, token, body);
						} else throw e;
					}
				});
			} else await ensureParticipant();
			store.update(year, (x) => {
				x.displayName = displayName;
				x.region = region;
				x.profileSaved = true;
			});
			go(nextAfter("profile"));
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
		stepCount("profile"),
		h("h1", { id: "step-heading", tabindex: "-1", text: t("profile.heading") }),
		h("p", { class: "lead", text: t("profile.lead") }),
		form,
	);
}

/**
 * @param {HTMLElement} root
 * @param {string} action
 * @param {any} rite
 */
function renderRite(root, action, rite) {
	const s = store.load(year);
	const a = s.actions[action];
	const done = a?.status === "done";
	const pending = a?.status === "pending";
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
	const nextId = nextAfter(action);
	const nextStep = steps[stepIndex(nextId)];
	const next = h("button", {
		type: "button",
		class: "primary",
		id: "next",
		text: nextId === "certificate" ? t("rite.finish") : t("rite.next", { name: pick(nextStep?.rite?.name) }),
		hidden: !done,
	});
	next.addEventListener("click", () => go(nextAfter(action)));
	retryNow.addEventListener("click", () => wakers.get(action)?.());

	/** @type {HTMLTextAreaElement | null} */
	let textarea = null;
	let form = null;
	if (action === "blessing") {
		const counter = h("p", { id: "blessing-count", class: "hint", "aria-live": "polite" });
		textarea = /** @type {HTMLTextAreaElement} */ (
			h("textarea", {
				id: "blessing",
				name: "blessing",
				rows: 3,
				maxlength: MAX_BLESSING,
				"aria-describedby": "blessing-hint blessing-count",
			})
		);
		textarea.value = a?.message ?? blessingDraft;
		const ta = textarea;
		const count = () => {
			counter.textContent = t("blessing.count", { n: Math.max(0, MAX_BLESSING - [...ta.value].length) });
		};
		ta.addEventListener("input", () => {
			blessingDraft = ta.value;
			count();
		});
		count();
		const presets = h("div", { class: "presets" });
		for (const p of PRESETS) {
			const text = lang() === "zh-Hant" ? p["zh-Hant"] : p["zh-Hans"];
			const b = h("button", { type: "button", class: "preset" }, [
				h("span", { lang: lang() === "zh-Hant" ? "zh-Hant" : "zh-Hans", text }),
				lang() === "en" ? h("span", { class: "gloss", text: p.en }) : null,
			]);
			b.addEventListener("click", () => {
				ta.value = text;
				blessingDraft = text;
				count();
				ta.focus();
			});
			presets.append(b);
		}
		form = h("div", { class: "blessing-form" }, [
			h("label", { for: "blessing", text: t("blessing.label") }),
			ta,
			h("p", { id: "blessing-hint", class: "hint", text: t("blessing.hint") }),
			counter,
			h("fieldset", { class: "preset-set" }, [h("legend", { text: t("blessing.presets") }), presets]),
		]);
		if (done || pending) {
			ta.readOnly = true;
			for (const b of presets.querySelectorAll("button")) b.setAttribute("disabled", "");
		}
	}

	const paint = () => {
		const cur = store.load(year).actions[action];
		const st = statusOf.get(action);
		if (cur?.status === "done") {
			// While the animation plays, the next step waits for it.
			const anim = playing.has(action);
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
			status.textContent = st ? t(st.key, st.vars) : ceremony.status === "open" ? "" : t("action.closed");
			status.className = st?.error ? "status error" : "status";
			button.hidden = false;
			button.removeAttribute("aria-busy");
			button.toggleAttribute("disabled", ceremony.status !== "open");
			retryNow.hidden = true;
		}
	};
	paint();
	painters.set(action, paint);

	button.addEventListener("click", async () => {
		if (button.hasAttribute("disabled")) return;
		button.setAttribute("disabled", ""); // no second key from a double click
		/** @type {string | undefined} */
		let message;
		if (textarea) {
			message = textarea.value.trim();
			if (!message) {
				statusOf.set(action, { key: "blessing.empty", error: true });
				paint();
				textarea.focus();
				return;
			}
			if ([...message].length > MAX_BLESSING) {
				statusOf.set(action, { key: "blessing.tooLong", error: true });
				paint();
				textarea.focus();
				return;
			}
			textarea.readOnly = true;
		}
		try {
			await ensureParticipant();
		} catch (e) {
			statusOf.set(action, {
				key: "action.failed",
				vars: { detail: e instanceof Error ? e.message : String(e) },
				error: true,
			});
			paint();
			if (textarea) textarea.readOnly = false;
			return;
		}
		const key = uuid();
		store.update(year, (x) => {
			x.actions[action] = { status: "pending", key, ...(message ? { message } : {}) };
		});
		statusOf.set(action, { key: "action.pending" });
		renderProgress();
		paint();
		playing.add(action);
		const [, ok] = await Promise.all([playArt(art, action).finally(() => playing.delete(action)), runAction(action)]);
		if (!art.isConnected) return;
		paint();
		if (ok) /** @type {HTMLElement} */ (root.querySelector("#next"))?.focus();
		else if (textarea) textarea.readOnly = false;
	});

	appendAll(
		root,
		stepCount(action),
		h("h1", { id: "step-heading", tabindex: "-1", text: pick(rite?.name) }),
		h("p", { class: "lead", text: t(`rite.${action}.lead`) }),
		art,
		form,
		status,
		h("div", { class: "buttons" }, [button, retryNow, next]),
	);
}

/** Actions whose animation is still playing (the next step is offered after it). @type {Set<string>} */
const playing = new Set();

/** Repaints of the rite steps on screen, by action. @type {Map<string, () => void>} */
const painters = new Map();

/**
 * Sends the pending offering of `action` (with its stored Idempotency-Key) until it is answered.
 * @param {string} action
 * @returns {Promise<boolean>} whether it is done
 */
function runAction(action) {
	const existing = inflight.get(action);
	if (existing) return existing.then(() => store.load(year).actions[action]?.status === "done");
	const s = store.load(year);
	const a = s.actions[action];
	if (a?.status !== "pending" || !s.token) return Promise.resolve(a?.status === "done");
	const repaint = () => {
		painters.get(action)?.();
		renderProgress();
	};
	/** @type {Parameters<typeof api.sendAction>[1]} */
	const opts = {
		onRetry: (n) => {
			statusOf.set(action, { key: navigator.onLine === false ? "action.offline" : "action.retrying", vars: { n } });
			repaint();
		},
		wake: () => new Promise((r) => wakers.set(action, () => r(undefined))),
	};
	const send = async () => {
		try {
			return await api.sendAction(
				{ year, token: /** @type {string} */ (s.token), type: action, message: a.message, key: a.key },
				opts,
			);
		} catch (e) {
			if (!(e instanceof api.HttpError && e.status === 401)) throw e;
			// The token is refused (the service's signing secret changed), so nothing was counted:
			// continue as a new participant with the same name and region, under a new key.
			resetParticipant();
			const { token } = await ensureParticipant();
			/** @type {{displayName?: string, region?: string}} */
			const body = {};
			if (s.displayName) body.displayName = s.displayName;
			if (s.region) body.region = s.region;
			if (Object.keys(body).length) me = await api.putMe(year, token, body).catch(() => null);
			const key = uuid();
			store.update(year, (x) => {
				x.actions[action] = { status: "pending", key, ...(a.message ? { message: a.message } : {}) };
			});
			return api.sendAction({ year, token, type: action, message: a.message, key }, opts);
		}
	};
	const p = send()
		.then((res) => {
			store.update(year, (x) => {
				const cur = x.actions[action];
				if (cur) cur.status = "done";
				if (res.certificate) x.certificate = res.certificate;
			});
			statusOf.delete(action);
			onCounted();
		})
		.catch((e) => {
			// Not retryable: forget the pending offering so that the participant can try again.
			store.update(year, (x) => {
				delete x.actions[action];
			});
			if (e instanceof api.HttpError && e.status === 403) statusOf.set(action, { key: "action.closed", error: true });
			else if (e instanceof api.HttpError && e.status === 401) {
				resetParticipant();
				statusOf.set(action, { key: "action.failed", vars: { detail: e.message }, error: true });
			} else
				statusOf.set(action, {
					key: "action.failed",
					vars: { detail: e instanceof Error ? e.message : String(e) },
					error: true,
				});
		})
		.finally(() => {
			inflight.delete(action);
			wakers.delete(action);
			repaint();
		});
	inflight.set(action, p);
	return p.then(() => store.load(year).actions[action]?.status === "done");
}

/** @param {HTMLElement} root */
function renderCertificate(root) {
	const s = store.load(year);
	const cert = s.certificate;
	if (!cert || !s.participantId) {
		go(firstOpenAction() ?? "welcome");
		return;
	}
	const name = s.displayName || me?.displayName || t("cert.anonymous");
	const ceremonyName = pick(ceremony.name);
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

	const save = h("button", { type: "button", class: "primary", id: "save-png", text: t("cert.save") });
	save.addEventListener("click", async () => {
		save.setAttribute("disabled", "");
		status.textContent = t("cert.saving");
		try {
			const { downloadCertificatePng } = await import("./certificate.js");
			await downloadCertificatePng(svgUrl, `baizu-${year}-${cert.number}.png`);
			status.textContent = "";
		} catch {
			status.textContent = t("cert.saveFailed");
		} finally {
			save.removeAttribute("disabled");
		}
	});

	const linkInput = /** @type {HTMLInputElement} */ (
		h("input", { id: "share-link", type: "url", readonly: true, value: shareUrl })
	);
	const copy = h("button", { type: "button", class: "secondary", id: "copy-link", text: t("cert.copy") });
	copy.addEventListener("click", async () => {
		try {
			await navigator.clipboard.writeText(shareUrl);
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
			navigator
				.share({ title: ceremonyName, text: t("cert.shareText", { n: cert.number }), url: shareUrl })
				.catch(() => {});
		});
		buttons.append(share);
	}

	const qrBox = h("figure", { class: "qr-box" }, [h("figcaption", { text: t("cert.qr") })]);
	import("./qr.js").then(({ qrSvg }) => qrBox.prepend(qrSvg(shareUrl, t("cert.qr")))).catch(() => qrBox.remove());

	appendAll(
		root,
		stepCount("certificate"),
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
