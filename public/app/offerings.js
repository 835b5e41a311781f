/**
 * Sending the offerings: each pending one goes out with its stored Idempotency-Key until the
 * service answers, one request chain per action at a time, and a reload resumes it.
 */
import * as api from "./api.js";
import { uuid } from "./dom.js";

/** @typedef {import("./flow-state.js").FlowState} FlowState */
/** @typedef {import("./api.js").ActionType} ActionType */

export class Offerings {
	/**
	 * @param {FlowState} flow
	 * @param {{changed: (action: ActionType) => void, counted: () => void}} on `changed` after every change of an offering's state, `counted` when one is counted
	 */
	constructor(flow, on) {
		this.flow = flow;
		this.on = on;
		/** @type {Map<ActionType, Promise<void>>} */
		this.inflight = new Map();
		/** Ends the wait before the next retry of an action. @type {Map<ActionType, () => void>} */
		this.wakers = new Map();
	}

	/** Resumes the offerings that were sent but not confirmed before the page was closed. */
	resume() {
		const s = this.flow.saved();
		for (const [action, a] of Object.entries(s.actions)) {
			if (a.status === "pending" && s.token) this.send(/** @type {ActionType} */ (action));
		}
	}

	/** @param {ActionType} action retry now instead of after the back-off */
	wake(action) {
		this.wakers.get(action)?.();
	}

	/**
	 * Sends the pending offering of `action` (with its stored Idempotency-Key) until it is answered.
	 * @param {ActionType} action
	 * @returns {Promise<boolean>} whether it is done
	 */
	send(action) {
		const flow = this.flow;
		const isDone = () => flow.saved().actions[action]?.status === "done";
		const existing = this.inflight.get(action);
		if (existing) return existing.then(isDone);
		const s = flow.saved();
		const a = s.actions[action];
		if (a?.status !== "pending" || !s.token) return Promise.resolve(a?.status === "done");
		const token = s.token;
		/** @type {Parameters<typeof api.sendAction>[1]} */
		const opts = {
			onRetry: (n) => {
				flow.statusOf.set(action, {
					key: navigator.onLine === false ? "action.offline" : "action.retrying",
					vars: { n },
				});
				this.on.changed(action);
			},
			wake: () => new Promise((r) => this.wakers.set(action, () => r(undefined))),
		};
		const sendOnce = async () => {
			try {
				return await api.sendAction({ year: flow.year, token, type: action, message: a.message, key: a.key }, opts);
			} catch (e) {
				if (!(e instanceof api.HttpError && e.status === 401)) throw e;
				// The token is refused (the service's signing secret changed), so nothing was counted:
				// continue as a new participant with the same name and region, under a new key.
				flow.resetParticipant();
				const { token: fresh } = await flow.ensureParticipant();
				/** @type {{displayName?: string, region?: string}} */
				const body = {};
				if (s.displayName) body.displayName = s.displayName;
				if (s.region) body.region = s.region;
				if (Object.keys(body).length) flow.me = await api.putMe(flow.year, fresh, body).catch(() => null);
				const key = uuid();
				flow.update((x) => {
					x.actions[action] = { status: "pending", key, ...(a.message ? { message: a.message } : {}) };
				});
				return api.sendAction({ year: flow.year, token: fresh, type: action, message: a.message, key }, opts);
			}
		};
		const p = sendOnce()
			.then((res) => {
				flow.update((x) => {
					const cur = x.actions[action];
					if (cur) cur.status = "done";
					if (res.certificate) x.certificate = res.certificate;
				});
				flow.statusOf.delete(action);
				this.on.counted();
			})
			.catch((e) => {
				// Not retryable: forget the pending offering so that the participant can try again.
				flow.update((x) => {
					delete x.actions[action];
				});
				if (e instanceof api.HttpError && e.status === 403)
					flow.statusOf.set(action, { key: "action.closed", error: true });
				else if (e instanceof api.HttpError && e.status === 401) {
					flow.resetParticipant();
					flow.statusOf.set(action, { key: "action.failed", vars: { detail: e.message }, error: true });
				} else
					flow.statusOf.set(action, {
						key: "action.failed",
						vars: { detail: e instanceof Error ? e.message : String(e) },
						error: true,
					});
			})
			.finally(() => {
				this.inflight.delete(action);
				this.wakers.delete(action);
				this.on.changed(action);
			});
		this.inflight.set(action, p);
		return p.then(isDone);
	}
}
