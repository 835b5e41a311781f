/**
 * Cloudflare Turnstile before a participant token is issued, when the Worker wrote a site key
 * into the page (production with Turnstile on). Without one, nothing here runs and nothing calls
 * out. The script loads when the page is idle, never before the first view; the widget runs in
 * the page's language, shows itself only when the check needs the participant
 * (`appearance: "interaction-only"`), and gives one token per issuance.
 */
import { h } from "./dom.js";
import { lang, t } from "./i18n.js";

export const TURNSTILE_SCRIPT = "https://challenges.cloudflare.com/turnstile/v0/api.js?render=explicit";

/**
 * The part of the documented `window.turnstile` API the page uses.
 * @typedef {{
 *   sitekey: string,
 *   callback: (token: string) => void,
 *   "error-callback": (code: string) => boolean | undefined,
 *   "expired-callback": () => void,
 *   "timeout-callback": () => void,
 *   "before-interactive-callback": () => void,
 *   "after-interactive-callback": () => void,
 *   language: string,
 *   appearance: "always" | "execute" | "interaction-only",
 *   execution: "render" | "execute",
 *   action: string,
 * }} RenderOptions
 * @typedef {{
 *   render: (container: HTMLElement, options: RenderOptions) => string | undefined,
 *   execute: (widget: string) => void,
 *   reset: (widget: string) => void,
 *   getResponse: (widget: string) => string | undefined,
 * }} TurnstileApi
 */

/** The widget's languages for the page's. */
const LANGUAGE = { "zh-Hans": "zh-cn", "zh-Hant": "zh-tw", en: "en" };

/** Turnstile could not give a token (blocked, failed, timed out): the participant is told so. */
export class HumanCheckError extends Error {
	constructor() {
		super(t("humanCheck.failed"));
	}
}

/** @returns {string | null} the site key the Worker wrote into the page, if Turnstile is on */
export function siteKey() {
	const meta = /** @type {HTMLMetaElement | null} */ (document.querySelector('meta[name="turnstile-site-key"]'));
	return meta?.content || null;
}

/** @type {Promise<TurnstileApi> | null} */
let loading = null;

/** Loads the Turnstile script once (it is never in the page's HTML). */
export function loadTurnstile() {
	loading ??= new Promise((resolve, reject) => {
		const script = document.createElement("script");
		script.src = TURNSTILE_SCRIPT;
		script.async = true;
		script.addEventListener("load", () => {
			const api = /** @type {{turnstile?: TurnstileApi}} */ (/** @type {unknown} */ (window)).turnstile;
			if (api) resolve(api);
			else reject(new HumanCheckError());
		});
		script.addEventListener("error", () => {
			loading = null;
			reject(new HumanCheckError());
		});
		document.head.append(script);
	});
	return loading;
}

/** The widget once rendered, and what waits for its next token. */
/** @type {{api: TurnstileApi, id: string, box: HTMLElement} | null} */
let widget = null;
/** @type {{resolve: (token: string) => void, reject: (e: Error) => void} | null} */
let waiting = null;

/** @param {(w: NonNullable<typeof waiting>) => void} settle */
function finish(settle) {
	const w = waiting;
	waiting = null;
	if (widget) widget.box.querySelector(".turnstile-note")?.replaceChildren();
	if (w) settle(w);
}

/**
 * The container, after the stage: empty and taking no space until the check needs the participant.
 * @returns {HTMLElement}
 */
function container() {
	const note = h("p", { class: "turnstile-note", role: "status" });
	const box = h("div", { class: "turnstile", id: "turnstile" }, [note]);
	const stage = document.getElementById("stage");
	(stage?.parentElement ?? document.body).append(box);
	return box;
}

/**
 * A fresh Turnstile token: renders the widget the first time, resets it afterwards (a token is
 * good for one issuance).
 * @param {string} key the site key
 * @returns {Promise<string>}
 */
export async function turnstileToken(key) {
	const api = await loadTurnstile();
	finish((w) => w.reject(new HumanCheckError()));
	const token = new Promise((resolve, reject) => {
		waiting = { resolve, reject };
	});
	if (!widget) {
		const box = container();
		const slot = h("div", { class: "turnstile-widget" });
		box.prepend(slot);
		const id = api.render(slot, {
			sitekey: key,
			action: "participate",
			language: LANGUAGE[lang()],
			appearance: "interaction-only",
			execution: "execute",
			callback: (value) => finish((w) => w.resolve(value)),
			"error-callback": () => {
				finish((w) => w.reject(new HumanCheckError()));
				return true;
			},
			"expired-callback": () => {},
			"timeout-callback": () => finish((w) => w.reject(new HumanCheckError())),
			"before-interactive-callback": () => {
				box.querySelector(".turnstile-note")?.replaceChildren(t("humanCheck.prompt"));
			},
			"after-interactive-callback": () => {
				box.querySelector(".turnstile-note")?.replaceChildren();
			},
		});
		if (!id) {
			finish((w) => w.reject(new HumanCheckError()));
			return /** @type {Promise<string>} */ (token);
		}
		widget = { api, id, box };
	} else widget.api.reset(widget.id);
	widget.api.execute(widget.id);
	return /** @type {Promise<string>} */ (token);
}
