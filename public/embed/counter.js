// The embeddable live counter: totals of the current (or ?year=) ceremony, refreshed every 10 s.
const WORDS = {
	"zh-Hans": {
		participants: "网上拜祖人数",
		flower: "敬献花篮",
		incense: "净手上香",
		bow: "行施拜礼",
		blessing: "祈福中华",
		link: "我也要拜祖",
		updated: "更新于",
	},
	"zh-Hant": {
		participants: "網上拜祖人數",
		flower: "敬獻花籃",
		incense: "淨手上香",
		bow: "行施拜禮",
		blessing: "祈福中華",
		link: "我也要拜祖",
		updated: "更新於",
	},
	en: {
		participants: "Participants online",
		flower: "Flower baskets",
		incense: "Incense",
		bow: "Bows",
		blessing: "Blessings",
		link: "Take part",
		updated: "Updated",
	},
};
const REFRESH_MS = 10_000;

/** @typedef {keyof typeof WORDS} Lang */
/** @typedef {keyof typeof WORDS["en"]} Word */
/** @typedef {{year: number, name: Record<Lang, string>, final: boolean}} Ceremony */
/** @typedef {{participants: number, actions: Record<string, number>, updatedAt?: string}} Stats */

const params = new URLSearchParams(location.search);
const asked = params.get("lang");
/** @type {Lang} */
const lang = asked === "zh-Hant" || asked === "en" ? asked : "zh-Hans";
const words = WORDS[lang];
document.documentElement.lang = lang;
const numberFormat = new Intl.NumberFormat(lang === "en" ? "en-US" : "zh-CN");

/**
 * @param {string} selector
 * @returns {HTMLElement}
 */
function one(selector) {
	const el = document.querySelector(selector);
	if (!(el instanceof HTMLElement)) throw new Error(`missing ${selector}`);
	return el;
}

for (const dt of document.querySelectorAll("[data-label]")) {
	if (dt instanceof HTMLElement) dt.textContent = words[/** @type {Word} */ (dt.dataset.label)] ?? "";
}
one(".link").textContent = words.link;

/** @returns {Promise<Ceremony>} */
async function ceremony() {
	const year = params.get("year");
	const res = await fetch(year ? `/api/v1/ceremonies/${encodeURIComponent(year)}` : "/api/v1/ceremonies/current");
	if (!res.ok) throw new Error(`ceremony: ${res.status}`);
	return res.json();
}

/** @param {number} year */
async function refresh(year) {
	try {
		const res = await fetch(`/api/v1/ceremonies/${year}/stats`);
		if (!res.ok) return;
		const stats = /** @type {Stats} */ (await res.json());
		/** @type {Record<string, number>} */
		const figures = { participants: stats.participants, ...stats.actions };
		for (const dd of document.querySelectorAll("[data-figure]")) {
			if (dd instanceof HTMLElement) dd.textContent = numberFormat.format(figures[dd.dataset.figure ?? ""] ?? 0);
		}
		if (stats.updatedAt) {
			one(".updated").textContent = `${words.updated} ${new Date(stats.updatedAt).toLocaleTimeString(lang)}`;
		}
	} catch {
		// keep the last figures; the next refresh tries again
	}
}

const current = await ceremony();
one(".title").textContent = current.name[lang];
document.title = current.name[lang];
await refresh(current.year);
if (!current.final) setInterval(() => refresh(current.year), REFRESH_MS);

export {};
