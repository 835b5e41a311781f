/** Preset blessings: sent in Chinese (in the reader's script), shown with a gloss in English. */
export const PRESETS = [
	{ "zh-Hans": "国泰民安", "zh-Hant": "國泰民安", en: "Peace for the nation, well-being for its people" },
	{ "zh-Hans": "同根同祖，同源同宗", "zh-Hant": "同根同祖，同源同宗", en: "One root, one ancestry, one origin" },
	{
		"zh-Hans": "祖德流芳，福佑中华",
		"zh-Hant": "祖德流芳，福佑中華",
		en: "May the ancestor's virtue endure and bless China",
	},
	{
		"zh-Hans": "四海同心，天下一家",
		"zh-Hant": "四海同心，天下一家",
		en: "All seas of one heart, the world one family",
	},
	{ "zh-Hans": "风调雨顺，五谷丰登", "zh-Hant": "風調雨順，五穀豐登", en: "Kind weather and abundant harvests" },
	{
		"zh-Hans": "阖家安康，幸福吉祥",
		"zh-Hant": "闔家安康，幸福吉祥",
		en: "Health, happiness and good fortune to every family",
	},
];
