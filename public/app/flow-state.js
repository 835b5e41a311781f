/**
 * The participant's place in the rites, and the moves between steps: welcome → name and region →
 * one step per rite that has an online action, in the ceremony's order → certificate. What must
 * survive a reload (credentials, offerings with their Idempotency-Key, the step) is in the store;
 * what lives only while the page is open (drafts, status lines, the profile last read) is here.
 */
import * as api from "./api.js";
import { lang } from "./i18n.js";
import * as store from "./store.js";
import { siteKey, turnstileToken } from "./turnstile.js";

/** @typedef {import("./api.js").Ceremony} Ceremony */
/** @typedef {import("./api.js").Rite} Rite */
/** @typedef {import("./api.js").Profile} Profile */
/** @typedef {import("./api.js").ActionType} ActionType */
/** @typedef {{participantId: string, token: string}} Credentials */
/** @typedef {{id: "welcome" | "profile" | "certificate"} | {id: ActionType, rite: Rite}} Step */
/** @typedef {Step["id"]} StepId */
/** A rite step's status line: an i18n key and its values. @typedef {{key: string, vars?: Record<string, string | number>, error?: boolean}} StatusLine */

/** @type {readonly ActionType[]} */
export const ACTIONS = ["flower", "incense", "bow", "blessing"];

/**
 * @param {string} id
 * @returns {id is ActionType}
 */
export const isAction = (id) => ACTIONS.some((a) => a === id);

/** @param {Ceremony} ceremony */
function stepsOf(ceremony) {
	/** @type {Step[]} */
	const steps = [{ id: "welcome" }, { id: "profile" }];
	/** @type {Set<string>} */
	const seen = new Set();
	for (const rite of ceremony.rites || []) {
		if (rite.action && isAction(rite.action) && !seen.has(rite.action)) {
			seen.add(rite.action);
			steps.push({ id: rite.action, rite });
		}
	}
	steps.push({ id: "certificate" });
	return steps;
}

export class FlowState {
	/** @param {Ceremony} ceremony the ceremony from GET /ceremonies/current */
	constructor(ceremony) {
		this.ceremony = ceremony;
		this.year = ceremony.year;
		this.steps = stepsOf(ceremony);
		/** @type {StepId} */
		this.current = "welcome";
		/** The last participant profile read from the API. @type {Profile | null} */
		this.me = null;
		this.blessingDraft = "";
		/** The name typed but not saved yet. @type {string | null} */
		this.nameDraft = null;
		/** @type {Map<ActionType, StatusLine>} */
		this.statusOf = new Map();
		/** Actions whose animation is still playing (the next step is offered after it). @type {Set<ActionType>} */
		this.playing = new Set();
	}

	/** The progress kept in the store. */
	saved() {
		return store.load(this.year);
	}

	/** @param {(s: store.State) => void} fn */
	update(fn) {
		return store.update(this.year, fn);
	}

	/** Picks up where the store says the participant was. */
	resume() {
		const s = this.saved();
		this.blessingDraft = s.actions.blessing?.message ?? "";
		const step = this.steps.find((x) => x.id === s.step);
		this.current = step ? step.id : "welcome";
		if (this.current === "certificate" && !s.certificate) this.current = this.nextAfter("profile");
	}

	/** @param {StepId} id */
	moveTo(id) {
		this.current = id;
		this.update((s) => {
			s.step = id;
		});
	}

	/** @param {StepId} id */
	stepIndex(id) {
		return this.steps.findIndex((x) => x.id === id);
	}

	/** The step shown now (the welcome when the stored one is gone from the ceremony). */
	currentStep() {
		return this.steps[this.stepIndex(this.current)] ?? this.steps[0];
	}

	/** The steps counted in the progress list and "step n of m": all but the welcome. */
	counted() {
		return this.steps.filter((x) => x.id !== "welcome");
	}

	/**
	 * The step to show after `id`: the next action not yet done, else the certificate.
	 * @param {StepId} id
	 * @returns {StepId}
	 */
	nextAfter(id) {
		const s = this.saved();
		for (const st of this.steps.slice(this.stepIndex(id) + 1)) {
			if (st.id === "certificate") return s.certificate ? "certificate" : (this.firstOpenAction() ?? "certificate");
			if (isAction(st.id) && s.actions[st.id]?.status !== "done") return st.id;
		}
		return "certificate";
	}

	/** @returns {ActionType | null} the first action in the ceremony's order that is not done */
	firstOpenAction() {
		const s = this.saved();
		for (const st of this.steps) if (isAction(st.id) && s.actions[st.id]?.status !== "done") return st.id;
		return null;
	}

	/** Whether every action is done and the certificate is given. */
	finished() {
		return Boolean(this.saved().certificate) && !this.firstOpenAction();
	}

	/** Whether the participant has begun: a saved profile or an offering. */
	started() {
		const s = this.saved();
		return Boolean(s.participantId) && (s.profileSaved || Object.keys(s.actions).length > 0);
	}

	/** @returns {StepId} where the welcome's button leads */
	afterWelcome() {
		if (this.finished()) return "certificate";
		return this.saved().profileSaved ? this.nextAfter("profile") : "profile";
	}

	/**
	 * Creates the participant on first need and keeps the token.
	 * @returns {Promise<Credentials>}
	 */
	ensureParticipant = async () => {
		const s = this.saved();
		if (s.token && s.participantId) return { participantId: s.participantId, token: s.token };
		const key = siteKey();
		const p = await api.createParticipant(lang(), key ? () => turnstileToken(key) : null);
		this.update((x) => {
			x.participantId = p.participantId;
			x.token = p.token;
		});
		return p;
	};

	/**
	 * Runs `fn` with the participant's credentials. A token the service no longer accepts (401: the
	 * signing secret changed) is dropped with the progress it carried, and a new participant is made.
	 * @template T
	 * @param {(c: Credentials) => Promise<T>} fn
	 * @returns {Promise<T>}
	 */
	withParticipant = async (fn) => {
		try {
			return await fn(await this.ensureParticipant());
		} catch (e) {
			if (!(e instanceof api.HttpError && e.status === 401)) throw e;
			this.resetParticipant();
			return fn(await this.ensureParticipant());
		}
	};

	/** Forgets a participant whose token the service refuses. */
	resetParticipant() {
		this.update((x) => {
			x.participantId = null;
			x.token = null;
			x.actions = {};
			x.certificate = null;
			x.reported = [];
		});
		this.me = null;
	}
}
