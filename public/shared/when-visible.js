/**
 * Calls `fn` once, when `el` first comes within `margin` of the viewport, so that what it loads
 * stays out of the first view.
 * @param {Element} el
 * @param {() => void} fn
 * @param {string} [margin] a rootMargin for the IntersectionObserver
 */
export function whenVisible(el, fn, margin = "0px 0px 100px 0px") {
	const io = new IntersectionObserver(
		(entries) => {
			if (!entries.some((e) => e.isIntersecting)) return;
			io.disconnect();
			fn();
		},
		{ rootMargin: margin },
	);
	io.observe(el);
}
