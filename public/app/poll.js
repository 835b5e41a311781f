/** Runs a task every `interval` ms while the page is visible; slower after failures. */

/**
 * @param {() => Promise<void>} task
 * @param {number} interval
 * @returns {{now: (delay?: number) => void}}
 */
export function poll(task, interval) {
	/** @type {ReturnType<typeof setTimeout> | undefined} */
	let timer;
	let failures = 0;
	let running = false;
	const schedule = (/** @type {number} */ ms) => {
		clearTimeout(timer);
		timer = setTimeout(run, ms);
	};
	const run = async () => {
		if (document.hidden) return; // resumed by visibilitychange
		if (running) return schedule(interval);
		running = true;
		try {
			await task();
			failures = 0;
		} catch {
			failures++;
		} finally {
			running = false;
		}
		schedule(Math.min(60_000, interval * 2 ** Math.min(failures, 4)));
	};
	document.addEventListener("visibilitychange", () => {
		if (!document.hidden) schedule(0);
	});
	schedule(0);
	return { now: (delay = 0) => schedule(delay) };
}
