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

const params = new URLSearchParams(location.search);
const lang = Object.hasOwn(WORDS, params.get("lang") ?? "") ? params.get("lang") : "zh-Hans";
const words = WORDS[lang];
document.documentElement.lang = lang;
const numberFormat = new Intl.NumberFormat(lang === "en" ? "en-US" : "zh-CN");

for (const dt of document.querySelectorAll("[data-label]")) dt.textContent = words[dt.dataset.label];
document.querySelector(".link").textContent = words.link;

async function ceremony() {
	const year = params.get("year");
	const res = await fetch(year ? `/api/v1/ceremonies/${encodeURIComponent(year)}` : "/api/v1/ceremonies/current");
	if (!res.ok) throw new Error(`ceremony: ${res.status}`);
	return res.json();
}

async function refresh(year) {
	try {
		const res = await fetch(`/api/v1/ceremonies/${year}/stats`);
		if (!res.ok) return;
		const stats = await res.json();
		const figures = { participants: stats.participants, ...stats.actions };
		for (const dd of document.querySelectorAll("[data-figure]"))
			dd.textContent = numberFormat.format(figures[dd.dataset.figure]);
		if (stats.updatedAt) {
			document.querySelector(".updated").textContent =
				`${words.updated} ${new Date(stats.updatedAt).toLocaleTimeString(lang)}`;
		}
	} catch {
		// keep the last figures; the next refresh tries again
	}
}

const current = await ceremony();
document.querySelector(".title").textContent = current.name[lang];
document.title = current.name[lang];
await refresh(current.year);
if (!current.final) setInterval(() => refresh(current.year), REFRESH_MS);
