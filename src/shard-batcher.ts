import type { ActionIdentity, ActionOutcome, ActionRequest } from "../durable/shard-protocol";
import { isRetryable } from "./http/errors";

/**
 * Edge micro-batching: actions for the same shard that reach the same isolate within a few
 * milliseconds go to the ShardDO as one `perform` RPC, which commits them in one transaction.
 *
 * Every request has an I/O context of its own in workerd, and these rules keep batching safe in it:
 * - The first request of a batch owns its flush: it waits out the window and a free lane, sends the
 *   batch with its own stub and settles every slot, with an error too. The flush runs under its
 *   `waitUntil`, so a batch goes and is answered even if that request's client goes away.
 * - Every other request waits on a promise it made itself, which the flush resolves from its own
 *   context. The runtime runs the continuation back in the waiter's context
 *   (`handle_cross_request_promise_resolution`, on from the 2024-10-14 compatibility date), so each
 *   request builds its answer in its own context (an answer built in another is refused); what it
 *   reads from its slot is plain data. Where that flag is off, a waiter looks every few
 *   milliseconds on timers of its own instead.
 * - A waiting request keeps a timer of its own pending (its give-up timer, cancelled once woken):
 *   a request with nothing of its own pending is cancelled as hung.
 */
/** Default of `EDGE_BATCH_MS`: how long the first request of a batch waits for others. */
export const DEFAULT_BATCH_WINDOW_MS = 4;
/** A batch is sent at once when it holds this many requests. */
export const MAX_BATCH_SIZE = 100;
/**
 * Batches of one shard in flight from one isolate at a time. A batch whose window is over waits
 * for a free lane and keeps taking requests meanwhile: under load, batches grow with the load
 * instead of the RPCs multiplying.
 */
export const MAX_IN_FLIGHT = 2;
/** A waiter whose batch never settles (its flush was lost) gives up with a retryable error. */
const WAIT_LIMIT_MS = 30_000;
/** A batch waits at most this long for a free lane (a lane whose RPC was lost must not block). */
const LANE_WAIT_LIMIT_MS = 1_000;
const MAX_WINDOW_MS = 50;

export interface BatchSettings {
	/** 0: no batching, one RPC per request. */
	windowMs: number;
	maxSize: number;
	maxInFlight: number;
}

/** Reads `EDGE_BATCH_MS` (milliseconds, "0" turns batching off; unset or invalid: the default). */
export function batchSettings(env: object): BatchSettings {
	const raw = (env as { EDGE_BATCH_MS?: unknown }).EDGE_BATCH_MS;
	const text = typeof raw === "string" ? raw.trim() : "";
	const parsed = text ? Number(text) : Number.NaN;
	const windowMs = Number.isFinite(parsed) && parsed >= 0 ? Math.min(parsed, MAX_WINDOW_MS) : DEFAULT_BATCH_WINDOW_MS;
	return { windowMs, maxSize: MAX_BATCH_SIZE, maxInFlight: MAX_IN_FLIGHT };
}

/** Sends a batch to the shard; a closure over the stub of the request that sends it. */
export type SendBatch = (identity: ActionIdentity, requests: ActionRequest[]) => Promise<ActionOutcome[]>;

interface Slot {
	request: ActionRequest;
	settled: boolean;
	outcome?: ActionOutcome;
	error?: unknown;
	/** Made in the slot's own request's context. */
	waiter: Waiter;
}

interface Batch {
	key: string;
	identity: ActionIdentity;
	slots: Slot[];
	/** The first request's stub: the one that sends the batch. */
	send: SendBatch;
	sent: boolean;
	/** The owner's wait for a free lane, while the batch is in the lane queue. */
	lane: Waiter | null;
}

const open = new Map<string, Batch>();
/** Batches in flight per shard from this isolate. */
const inFlight = new Map<string, number>();
/** Batches whose window is over, waiting for a lane, in the order they began to wait. */
const laneQueue = new Map<string, Batch[]>();

/**
 * A timer of the calling request's own. `setTimeout` rather than `scheduler.wait`: in workerd a
 * timer that fires cost 39 against 57 µs of CPU (`npm run bench:runtime`), and the owner of every
 * batch sleeps once.
 */
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Whether the runtime runs a promise's continuation in the context of the request that made it
 * when another request resolves it. Production's compatibility date has it; the Workers Vitest
 * integration turns it off for its runner, and there a waiter looks every few milliseconds.
 */
let crossRequestWake: boolean | undefined;
const wakesAcrossRequests = (): boolean => {
	crossRequestWake ??=
		(globalThis as { Cloudflare?: { compatibilityFlags?: Record<string, boolean> } }).Cloudflare?.compatibilityFlags
			?.handle_cross_request_promise_resolution === true;
	return crossRequestWake;
};

/**
 * A waiter's signal, for one wait: `wake` may be called from any request; the waiter, in its own
 * context, waits until it is woken (polling: until `ready()`) or `limitMs` passes, and says
 * whether `ready()` holds. Its own give-up timer is pending meanwhile, so the runtime never takes
 * it for hung (a plain timer: one with an AbortSignal cost 0.09 ms a request, docs/BENCHMARKS.md).
 */
class Waiter {
	readonly wake: () => void;
	private readonly woken: Promise<void>;

	constructor() {
		const { promise, resolve } = Promise.withResolvers<void>();
		this.woken = promise;
		this.wake = resolve;
	}

	async until(ready: () => boolean, limitMs: number): Promise<boolean> {
		if (ready()) return true;
		if (wakesAcrossRequests()) {
			const giveUp = setTimeout(this.wake, limitMs);
			await this.woken;
			clearTimeout(giveUp);
			return ready();
		}
		const until = Date.now() + limitMs;
		for (let polls = 0; !ready(); polls++) {
			if (Date.now() >= until) return false;
			await sleep(Math.min(4, 1 + (polls >> 2)));
		}
		return true;
	}
}

/**
 * The outcome of one action, sent alone or with others bound to the same shard. `waitUntil`
 * keeps a batch's flush and RPC alive if the request that owns it goes away.
 */
export async function performBatched(
	identity: ActionIdentity,
	request: ActionRequest,
	send: SendBatch,
	settings: BatchSettings,
	waitUntil?: (promise: Promise<unknown>) => void,
): Promise<ActionOutcome> {
	if (settings.windowMs <= 0) {
		const [outcome] = await send(identity, [request]);
		if (!outcome) throw new Error("shard answered no outcome");
		return outcome;
	}
	const key = `${identity.year}/${identity.shardCount}/${identity.shardIndex}/${identity.configVersion}`;
	const slot: Slot = { request, settled: false, waiter: new Waiter() };
	const batch = open.get(key);
	if (!batch) {
		const own: Batch = { key, identity, slots: [slot], send, sent: false, lane: null };
		open.set(key, own);
		const flushed = flush(own, settings);
		waitUntil?.(flushed);
		await flushed;
		return answerOf(slot);
	}
	batch.slots.push(slot);
	if (batch.slots.length >= settings.maxSize) {
		// Full: it goes now, from this request. Its owner's flush finds it sent and only waits.
		open.delete(key);
		batch.lane?.wake();
		const sent = dispatch(batch);
		waitUntil?.(sent);
	}
	if (!(await slot.waiter.until(() => slot.settled, WAIT_LIMIT_MS))) {
		throw retryableError("the shard batch did not answer in time");
	}
	return answerOf(slot);
}

/**
 * The owner's part: waits out the window, then for a free lane if the shard's lanes are busy (the
 * batch keeps taking requests meanwhile), and sends the batch.
 */
async function flush(batch: Batch, settings: BatchSettings): Promise<void> {
	await sleep(settings.windowMs);
	const laneFree = () => batch.sent || (inFlight.get(batch.key) ?? 0) < settings.maxInFlight;
	if (!laneFree()) {
		const lane = new Waiter();
		batch.lane = lane;
		const queue = laneQueue.get(batch.key) ?? [];
		queue.push(batch);
		laneQueue.set(batch.key, queue);
		// Woken when a lane came free, it goes even if a batch whose window ended meanwhile took that
		// lane first: one batch over the limit for one RPC, as at the lane-wait limit.
		await lane.until(laneFree, LANE_WAIT_LIMIT_MS);
		batch.lane = null;
		const waiting = laneQueue.get(batch.key) ?? [];
		const at = waiting.indexOf(batch);
		if (at >= 0) waiting.splice(at, 1);
		if (waiting.length === 0) laneQueue.delete(batch.key);
	}
	if (batch.sent) {
		// The request that filled it sent it: the owner answers once it settles.
		const own = batch.slots[0] as Slot;
		if (!(await own.waiter.until(() => own.settled, WAIT_LIMIT_MS)))
			own.error ??= retryableError("the shard batch did not answer in time");
		return;
	}
	// Not sent by a request that filled it, so it is still the shard's open batch.
	open.delete(batch.key);
	await dispatch(batch);
}

/** Sends the batch from the calling request's context and settles every slot. */
async function dispatch(batch: Batch): Promise<void> {
	batch.sent = true;
	inFlight.set(batch.key, (inFlight.get(batch.key) ?? 0) + 1);
	try {
		await settle(batch);
	} finally {
		const left = (inFlight.get(batch.key) ?? 1) - 1;
		if (left > 0) inFlight.set(batch.key, left);
		else inFlight.delete(batch.key);
		// The lane is free: the batch that has waited longest for it goes (out of the queue now, so
		// that the next lane to come free wakes the next one, whenever this one's owner runs).
		laneQueue.get(batch.key)?.shift()?.lane?.wake();
	}
}

async function settle(batch: Batch): Promise<void> {
	const { slots, identity, send } = batch;
	try {
		const outcomes = await send(
			identity,
			slots.map((s) => s.request),
		);
		slots.forEach((slot, i) => {
			slot.outcome = outcomes[i];
			if (!slot.outcome) slot.error = new Error("shard answered no outcome");
		});
	} catch (error) {
		if (slots.length > 1 && !isRetryable(error)) {
			// The cause may be one request of the batch: send each alone, so every request gets its
			// own answer. Whatever the shard committed, sending again with the same keys is safe.
			await Promise.all(slots.map((slot) => sendAlone(slot, identity, send)));
		} else {
			for (const slot of slots) slot.error = error;
		}
	} finally {
		for (const slot of slots) {
			slot.settled = true;
			slot.waiter.wake();
		}
	}
}

async function sendAlone(slot: Slot, identity: ActionIdentity, send: SendBatch): Promise<void> {
	try {
		const [outcome] = await send(identity, [slot.request]);
		slot.outcome = outcome;
		if (!outcome) slot.error = new Error("shard answered no outcome");
	} catch (error) {
		slot.error = error;
	}
}

/** Called in the slot's own request context: the outcome is plain data, an error is made anew here. */
function answerOf(slot: Slot): ActionOutcome {
	if (slot.error !== undefined) throw errorFor(slot.error);
	return slot.outcome as ActionOutcome;
}

function errorFor(cause: unknown): Error {
	const message = cause instanceof Error ? cause.message : String(cause);
	const error = new Error(`shard batch failed: ${message}`, { cause });
	const flags = (typeof cause === "object" && cause !== null ? cause : {}) as {
		retryable?: boolean;
		overloaded?: boolean;
	};
	return Object.assign(error, {
		...(flags.retryable === true ? { retryable: true } : {}),
		...(flags.overloaded === true ? { overloaded: true } : {}),
	});
}

function retryableError(message: string): Error {
	return Object.assign(new Error(message), { retryable: true });
}
