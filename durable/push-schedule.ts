/**
 * How a node of the tree (shard, aggregator) sends its snapshot upward: at most once per
 * interval, and at once when the last push is older than that. The intervals are fixed: they do
 * not grow with the shard count, because each parent has a bounded number of children.
 *
 * With the edge cache's FRESH_MS they share the 2 s of invariant 3 (500 + 250 + 750 ms, and the
 * hops between): a shard's push costs its shard, its aggregator and both commits about the same
 * whatever it carries, and there are S shards, so the shards take the longest interval; the
 * CeremonyDO's reads that the cache spares grow only with the locations (docs/CAPACITY.md).
 */
export const SHARD_PUSH_INTERVAL_MS = 500;
export const AGGREGATOR_PUSH_INTERVAL_MS = 250;
/** A parent pulls a child whose snapshot is older than this while the parent is active. */
export const QUIET_CHILD_MS = 5_000;
/** How often an active parent looks for quiet children. */
export const WATCH_INTERVAL_MS = 2_000;
/** A parent is active this long after the last snapshot it received. */
export const ACTIVE_FOR_MS = 60_000;
const MAX_BACKOFF_MS = 30_000;

/**
 * The node's alarm, shared by its pushes and its watch over its children. A failed push backs off
 * and the alarm is set again: the platform retries a throwing alarm only six times, so an alarm
 * handler never throws.
 */
export class PushSchedule {
	private pushDueAt: number | null = null;
	private lastPushAt = 0;
	private failures = 0;

	constructor(
		private readonly storage: DurableObjectStorage,
		readonly intervalMs: number,
	) {}

	/** Something changed: a push at the earliest time the interval allows, unless one is due sooner. */
	async request(): Promise<void> {
		if (this.pushDueAt !== null) return;
		const at = Math.max(Date.now(), this.lastPushAt + this.intervalMs);
		this.pushDueAt = at;
		const current = await this.storage.getAlarm();
		if (current === null || current > at) await this.storage.setAlarm(at);
	}

	/** Called as the alarm starts: a change from now on asks for a push of its own. */
	begin(): void {
		this.pushDueAt = null;
	}

	/** A push starts: the interval counts from here, so a slow push does not stretch it. */
	starting(): void {
		this.lastPushAt = Date.now();
	}

	pushed(): void {
		this.failures = 0;
	}

	/** The delay before the next try, doubling with every failure in a row. */
	failed(): number {
		this.failures++;
		return Math.min(MAX_BACKOFF_MS, this.intervalMs * 2 ** this.failures);
	}

	get failuresInRow(): number {
		return this.failures;
	}

	/** The time of the next push when there is still something to send. */
	nextPushAt(): number {
		return Math.max(Date.now(), this.lastPushAt + this.intervalMs);
	}

	/** Sets the alarm for the earlier of a push still due and the next watch; none when neither. */
	async settle(pushAt: number | null, watchAt: number | null): Promise<void> {
		this.pushDueAt = pushAt;
		const times = [pushAt, watchAt].filter((t): t is number => t !== null);
		if (times.length === 0) await this.storage.deleteAlarm();
		else await this.storage.setAlarm(Math.min(...times));
	}
}

/** A parent's watch over its children: active while snapshots arrive; a quiet child is pulled. */
export class ChildWatch {
	private lastReceivedAt = 0;
	private nextWatchAt = 0;
	private readonly lastPulledAt = new Map<number, number>();

	received(now = Date.now()): void {
		this.lastReceivedAt = now;
		if (this.nextWatchAt === 0) this.nextWatchAt = now + WATCH_INTERVAL_MS;
	}

	get active(): boolean {
		return Date.now() - this.lastReceivedAt < ACTIVE_FOR_MS;
	}

	/** The time of the next look, while active. */
	watchAt(): number | null {
		if (!this.active) {
			this.nextWatchAt = 0;
			return null;
		}
		return Math.max(this.nextWatchAt, Date.now());
	}

	get due(): boolean {
		return this.active && Date.now() >= this.nextWatchAt;
	}

	/**
	 * The children to pull now: those heard from longer ago than QUIET_CHILD_MS (or never), each at
	 * most once per QUIET_CHILD_MS, so an empty child is not woken at every look.
	 */
	quiet(children: number[], receivedAt: (child: number) => number): number[] {
		const now = Date.now();
		this.nextWatchAt = now + WATCH_INTERVAL_MS;
		return children.filter((child) => {
			const last = Math.max(receivedAt(child), this.lastPulledAt.get(child) ?? 0);
			if (now - last < QUIET_CHILD_MS) return false;
			this.lastPulledAt.set(child, now);
			return true;
		});
	}
}
