/**
 * Cloudflare Turnstile, loaded only when the service asks for it: production answers token
 * issuance with 403 `turnstile-required` and the widget's `siteKey`; locally nothing is loaded.
 */

const SCRIPT = "https://challenges.cloudflare.com/turnstile/v0/api.js?render=explicit";

/** @type {Promise<any> | null} */
let loading = null;

/** @returns {Promise<any>} the `turnstile` global */
function loadScript() {
	loading ??= new Promise((resolve, reject) => {
		const script = document.createElement("script");
		script.src = SCRIPT;
		script.async = true;
		script.addEventListener("load", () => resolve(/** @type {any} */ (window).turnstile));
		script.addEventListener("error", () => {
			loading = null;
			reject(new Error("the human check could not be loaded"));
		});
		document.head.append(script);
	});
	return loading;
}

/**
 * Shows the widget and resolves with its token once the visitor has passed it.
 * @param {string} siteKey
 * @param {string} lang
 * @returns {Promise<string>}
 */
export async function humanCheck(siteKey, lang) {
	const turnstile = await loadScript();
	const box = document.createElement("div");
	box.className = "turnstile";
	box.setAttribute("role", "group");
	box.setAttribute("aria-label", lang === "en" ? "Human check" : lang === "zh-Hant" ? "真人驗證" : "真人验证");
	document.querySelector("main")?.prepend(box);
	try {
		return await new Promise((resolve, reject) => {
			turnstile.render(box, {
				sitekey: siteKey,
				language: lang === "en" ? "en" : lang === "zh-Hant" ? "zh-tw" : "zh-cn",
				callback: (/** @type {string} */ token) => resolve(token),
				"error-callback": () => reject(new Error("the human check failed")),
			});
		});
	} finally {
		box.remove();
	}
}
