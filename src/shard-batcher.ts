import type { ActionIdentity, ActionOutcome, ActionRequest } from "../durable/shard-protocol";
import { isRetryable } from "./http/errors";

/**
 * Edge micro-batching: actions for the same shard that reach the same isolate within a few
 * milliseconds go to the ShardDO as one `perform` RPC, which commits them in one transaction.
 *
 * Two rules keep it safe inside workerd, where every request has an I/O context of its own:
 * - A waiting request never awaits a promise that another request's RPC settles. It sleeps on
 *   timers of its own and reads its outcome, plain data, from its slot: so it always has an event
 *   of its own pending (else it is cancelled as hung), and it wakes, and builds its response, in
 *   its own context (a response built in another request's context is refused).
 * - Whoever sends a batch (the request that fills it, or the first waiter whose timer sees the
 *   window over and a lane free) sends it with its own stub, keeps the RPC alive with its own
 *   `waitUntil`, and settles every slot, with an error too: a failed batch answers every waiter.
 */

/** Default of `EDGE_BATCH_MS`: how long the first request of a batch waits for others. */
export const DEFAULT_BATCH_WINDOW_MS = 2;
/** A batch is sent at once when it holds this many requests. */
export const MAX_BATCH_SIZE = 100;
/**
 * Batches of one shard in flight from one isolate at a time. A batch whose window is over waits
 * for a free lane and keeps taking requests meanwhile: under load, batches grow with the load
 * instead of the RPCs multiplying.
 */
export const MAX_IN_FLIGHT = 2;
/** A waiter whose batch never settles (its sender was cancelled) gives up with a retryable error. */
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
	send: SendBatch;
	settled: boolean;
	outcome?: ActionOutcome;
	error?: unknown;
}

interface Batch {
	key: string;
	identity: ActionIdentity;
	slots: Slot[];
	flushAt: number;
	sentAt: number | null;
}

const open = new Map<string, Batch>();
/** Batches in flight per shard from this isolate. */
const lanes = new Map<string, Set<Batch>>();
/** Moving average of a batch RPC's duration: a waiter sleeps about that long before it looks. */
let rpcEstimateMs = 2;

/** A timer of the calling request's own (workerd's native one, lighter than the Node-compatible setTimeout). */
const sleep = (ms: number): Promise<void> => scheduler.wait(ms);

/**
 * The outcome of one action, sent alone or with others bound to the same shard. `waitUntil`
 * keeps a batch's RPC alive if the request that sends it goes away.
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
	let batch = open.get(key);
	if (!batch) {
		batch = { key, identity, slots: [], flushAt: Date.now() + settings.windowMs, sentAt: null };
		open.set(key, batch);
	}
	const slot: Slot = { request, send, settled: false };
	batch.slots.push(slot);
	if (batch.slots.length >= settings.maxSize) return dispatch(batch, slot, waitUntil);

	const giveUpAt = Date.now() + WAIT_LIMIT_MS;
	let polls = 0;
	for (;;) {
		if (slot.settled) return answerOf(slot);
		const now = Date.now();
		if (batch.sentAt === null) {
			if (now < batch.flushAt) {
				await sleep(batch.flushAt - now);
				continue;
			}
			const lane = lanes.get(key);
			if (!lane || lane.size < settings.maxInFlight || now - batch.flushAt >= LANE_WAIT_LIMIT_MS) {
				return dispatch(batch, slot, waitUntil);
			}
			// Both lanes are busy: look again when the first of them should be back.
			let firstBack = Number.POSITIVE_INFINITY;
			for (const busy of lane) firstBack = Math.min(firstBack, (busy.sentAt as number) + rpcEstimateMs);
			await sleep(firstBack - now >= 1 ? firstBack - now : pollDelay(polls++));
		} else {
			if (now >= giveUpAt) throw retryableError("the shard batch did not answer in time");
			const expected = batch.sentAt + rpcEstimateMs - now;
			await sleep(expected >= 1 ? expected : pollDelay(polls++));
		}
	}
}

/** Once the expected time is past: look every millisecond at first, then less often (at most every 4 ms). */
const pollDelay = (polls: number) => Math.min(4, 1 + (polls >> 2));

/** Sends the batch from the calling request's context and returns that request's own outcome. */
async function dispatch(
	batch: Batch,
	own: Slot,
	waitUntil?: (promise: Promise<unknown>) => void,
): Promise<ActionOutcome> {
	if (open.get(batch.key) === batch) open.delete(batch.key);
	batch.sentAt = Date.now();
	let lane = lanes.get(batch.key);
	if (!lane) {
		lane = new Set();
		lanes.set(batch.key, lane);
	}
	lane.add(batch);
	const done = settle(batch, own.send).finally(() => {
		const busy = lanes.get(batch.key);
		busy?.delete(batch);
		if (busy?.size === 0) lanes.delete(batch.key);
	});
	waitUntil?.(done);
	await done;
	return answerOf(own);
}

async function settle(batch: Batch, send: SendBatch): Promise<void> {
	const { slots, identity } = batch;
	const startedAt = Date.now();
	try {
		const outcomes = await send(
			identity,
			slots.map((s) => s.request),
		);
		rpcEstimateMs = 0.8 * rpcEstimateMs + 0.2 * (Date.now() - startedAt);
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
		for (const slot of slots) slot.settled = true;
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
