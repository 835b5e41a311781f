/**
 * The committee's live socket. Every (re)connection first fetches a fresh single-use ticket
 * (POST /admin/tickets, with the token in the Authorization header) and puts only that ticket in
 * the socket's URL. It pings every second; a socket that stays silent is treated as dead and
 * replaced. Reconnection backs off exponentially from 0.5 s to 10 s, with jitter.
 */
import { readLiveMessage, readTicket } from "./answers.js";
import { api, HttpError } from "./api.js";

const PING_EVERY_MS = 1000;
/** A socket that has not answered for this long is considered dead and replaced. */
const SILENT_LIMIT_MS = 6000;
const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 10_000;

/**
 * @typedef {"connecting" | "open" | "reconnecting" | "stopped" | "unauthorized"} LiveState
 * @typedef {{attempt: number, retryInMs?: number, error?: string}} ConnectionInfo
 * @typedef {{
 *   year: number,
 *   onTotals: (msg: import("./answers.js").LiveTotals) => void,
 *   onState: (state: LiveState, info: ConnectionInfo) => void,
 *   onUnauthorized: () => void,
 * }} LiveOptions
 */

/** @param {number} attempt 0-based */
export function backoffDelay(attempt) {
	const base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** attempt);
	// "Equal jitter": between half and all of the exponential step, never below the minimum.
	return Math.max(BACKOFF_MIN_MS, Math.round(base / 2 + Math.random() * (base / 2)));
}

export class LiveConnection {
	/** @param {LiveOptions} opts */
	constructor(opts) {
		this.opts = opts;
		/** @type {WebSocket | null} */
		this.ws = null;
		this.attempt = 0;
		/** @type {LiveState} */
		this.state = "connecting";
		/** When the server last said anything (totals or pong), ms since epoch. */
		this.lastHeard = 0;
		/** When the last totals arrived. */
		this.lastTotals = 0;
		/** The server's `changedAt` from the last pong: when the figures last changed. */
		this.changedAt = /** @type {string | null} */ (null);
		/** @type {ReturnType<typeof setTimeout> | undefined} */
		this.retryTimer = undefined;
		/** @type {ReturnType<typeof setInterval> | undefined} */
		this.pingTimer = undefined;
		this.stopped = false;
		this.generation = 0;
		this.onOnline = () => {
			if (this.state === "reconnecting") this.reconnectNow();
		};
		window.addEventListener("online", this.onOnline);
	}

	start() {
		this.stopped = false;
		void this.connect();
	}

	stop() {
		this.stopped = true;
		this.generation++;
		clearTimeout(this.retryTimer);
		clearInterval(this.pingTimer);
		window.removeEventListener("online", this.onOnline);
		const ws = this.ws;
		this.ws = null;
		if (ws && ws.readyState <= WebSocket.OPEN) ws.close(1000, "bye");
		this.setState("stopped");
	}

	/** Replaces the socket at once (e.g. after the ceremony closed, or when the network is back). */
	reconnectNow() {
		if (this.stopped) return;
		clearTimeout(this.retryTimer);
		clearInterval(this.pingTimer);
		this.attempt = 0;
		this.generation++;
		const old = this.ws;
		this.ws = null;
		if (old && old.readyState <= WebSocket.OPEN) old.close(1000, "reconnect");
		void this.connect();
	}

	/** @param {LiveState} state @param {{retryInMs?: number, error?: string}} [info] */
	setState(state, info = {}) {
		this.state = state;
		this.opts.onState(state, { attempt: this.attempt, ...info });
	}

	async connect() {
		if (this.stopped) return;
		const gen = ++this.generation;
		clearInterval(this.pingTimer);
		this.setState(this.attempt === 0 ? "connecting" : "reconnecting");
		let ticket;
		try {
			ticket = readTicket(await api("/admin/tickets", { method: "POST", body: { year: this.opts.year } })).ticket;
		} catch (e) {
			if (gen !== this.generation) return;
			if (e instanceof HttpError && e.status === 401) {
				this.stopped = true;
				this.setState("unauthorized");
				this.opts.onUnauthorized();
				return;
			}
			this.scheduleRetry(String(/** @type {Error} */ (e).message ?? e));
			return;
		}
		if (gen !== this.generation || this.stopped) return;
		const url = new URL(`/api/v1/admin/ceremonies/${this.opts.year}/live`, location.href);
		url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
		url.searchParams.set("ticket", ticket);
		let ws;
		try {
			ws = new WebSocket(url);
		} catch (e) {
			this.scheduleRetry(String(e));
			return;
		}
		this.ws = ws;
		ws.addEventListener("open", () => {
			if (gen !== this.generation) return;
			this.lastHeard = Date.now();
			this.setState("open");
			this.pingTimer = setInterval(() => this.tick(gen), PING_EVERY_MS);
		});
		ws.addEventListener("message", (ev) => {
			if (gen !== this.generation) return;
			this.lastHeard = Date.now();
			let msg;
			try {
				msg = readLiveMessage(JSON.parse(typeof ev.data === "string" ? ev.data : ""));
			} catch (e) {
				// Not JSON, or totals not in their documented shape: shown as a warning, the figures stay as they were.
				console.warn("live", e);
				return;
			}
			if (msg?.type === "totals") {
				this.attempt = 0;
				this.lastTotals = this.lastHeard;
				this.opts.onTotals(msg.totals);
			} else if (msg?.type === "pong") {
				this.changedAt = msg.changedAt;
			}
		});
		ws.addEventListener("close", (ev) => {
			if (gen !== this.generation) return;
			this.ws = null;
			clearInterval(this.pingTimer);
			if (!this.stopped) this.scheduleRetry(ev.reason || (ev.code ? `closed (${ev.code})` : "closed"));
		});
		// An error is always followed by close, which schedules the retry.
	}

	/**
	 * Pings, and replaces a socket that has gone silent (a half-open connection).
	 * @param {number} gen the socket generation the timer was set for
	 */
	tick(gen) {
		if (gen !== this.generation) return;
		const ws = this.ws;
		if (!ws || ws.readyState !== WebSocket.OPEN) return;
		if (Date.now() - this.lastHeard > SILENT_LIMIT_MS) {
			this.generation++;
			this.ws = null;
			clearInterval(this.pingTimer);
			try {
				ws.close(4000, "silent");
			} catch {
				// already closing
			}
			this.scheduleRetry("no answer");
			return;
		}
		try {
			ws.send('{"type":"ping"}');
		} catch {
			// close follows
		}
	}

	/** @param {string} error */
	scheduleRetry(error) {
		if (this.stopped) return;
		clearTimeout(this.retryTimer);
		const delay = backoffDelay(this.attempt);
		this.attempt++;
		this.setState("reconnecting", { retryInMs: delay, error });
		this.retryTimer = setTimeout(() => void this.connect(), delay);
	}
}
