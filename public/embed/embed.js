// For media pages: <script src="https://HOST/embed/embed.js" data-lang="zh-Hant" async></script>
// puts the live counter, served from HOST, where the script tag stands.
(() => {
	const script = document.currentScript;
	if (!(script instanceof HTMLScriptElement)) return;
	const origin = new URL(script.src).origin;
	const lang = script.dataset.lang ?? "zh-Hans";
	const frame = document.createElement("iframe");
	const query = new URLSearchParams({ lang, ...(script.dataset.year ? { year: script.dataset.year } : {}) });
	frame.src = `${origin}/embed/counter.html?${query}`;
	frame.title = lang === "en" ? "Ceremony participation, live" : "网上拜祖实时统计";
	frame.loading = "lazy";
	frame.style.cssText = "border:0;width:100%;max-width:40rem;height:13rem;";
	script.replaceWith(frame);
})();
