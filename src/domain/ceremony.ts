import type {
	ActionLimits,
	Ceremony,
	CeremonyConfig,
	CeremonyInput,
	CeremonyStatus,
	Rite,
	RiteInput,
} from "../schemas/ceremony";
import { ceremonyDate, ceremonyName, defaultWindow, sexagenaryYear } from "./calendar";
import { toTraditional } from "./script";

/** The nine rites (九项仪程) as held in 2024 and 2025; the committee sets each year's own list. */
export const DEFAULT_RITES: RiteInput[] = [
	{ key: "salute", name: { "zh-Hans": "盛世礼炮", en: "Salute of the prosperous age" }, action: null },
	{ key: "flower-baskets", name: { "zh-Hans": "敬献花篮", en: "Presenting flower baskets" }, action: "flower" },
	{ key: "incense", name: { "zh-Hans": "净手上香", en: "Washing hands and offering incense" }, action: "incense" },
	{ key: "bow", name: { "zh-Hans": "共拜始祖", en: "Bowing together to the first ancestor" }, action: "bow" },
	{ key: "address", name: { "zh-Hans": "恭读拜文", en: "Reading the address of worship" }, action: null },
	{ key: "hymn", name: { "zh-Hans": "高唱颂歌", en: "Singing the hymn" }, action: null },
	{ key: "dance", name: { "zh-Hans": "乐舞敬拜", en: "Worship in music and dance" }, action: null },
	{ key: "blessing", name: { "zh-Hans": "祈福中华", en: "Blessings for China" }, action: "blessing" },
	{ key: "harmony", name: { "zh-Hans": "天地人和", en: "Harmony of heaven, earth and people" }, action: null },
];

export const DEFAULT_LIMITS: ActionLimits = { flower: 1, incense: 1, bow: 1, blessing: 1 };

export const completeRite = (rite: RiteInput): Rite => ({
	key: rite.key,
	name: {
		"zh-Hans": rite.name["zh-Hans"],
		"zh-Hant": rite.name["zh-Hant"] ?? toTraditional(rite.name["zh-Hans"]),
		en: rite.name.en ?? rite.name["zh-Hans"],
	},
	action: rite.action,
});

export interface CeremonyDefaults {
	shardCount: number;
	/** Development: the window opens at creation, so a newcomer can take part at once. */
	openNow: boolean;
}

export function defaultConfig(year: number, defaults: CeremonyDefaults, now: number): CeremonyConfig {
	const window = defaultWindow(year);
	return {
		year,
		date: ceremonyDate(year),
		opensAt: defaults.openNow ? Math.min(now, window.opensAt) : window.opensAt,
		closesAt: window.closesAt,
		rites: DEFAULT_RITES.map(completeRite),
		shardCount: defaults.shardCount,
		limits: { ...DEFAULT_LIMITS },
		liveStreamUrl: null,
		closedAt: null,
		version: 1,
	};
}

export function applyInput(config: CeremonyConfig, input: CeremonyInput): CeremonyConfig {
	return {
		...config,
		date: input.date ?? config.date,
		opensAt: input.window ? Date.parse(input.window.opensAt) : config.opensAt,
		closesAt: input.window ? Date.parse(input.window.closesAt) : config.closesAt,
		rites: input.rites ? input.rites.map(completeRite) : config.rites,
		shardCount: input.shardCount ?? config.shardCount,
		limits: { ...config.limits, ...input.limits },
		liveStreamUrl: input.liveStreamUrl === undefined ? config.liveStreamUrl : input.liveStreamUrl,
		version: config.version + 1,
	};
}

export function statusOf(config: CeremonyConfig, now: number): CeremonyStatus {
	if (config.closedAt !== null || now >= config.closesAt) return "closed";
	return now >= config.opensAt ? "open" : "scheduled";
}

export const acceptsActions = (config: CeremonyConfig, now: number) => statusOf(config, now) === "open";

export function presentCeremony(config: CeremonyConfig, now: number): Ceremony {
	return {
		year: config.year,
		name: ceremonyName(config.year),
		sexagenaryYear: sexagenaryYear(config.year),
		date: config.date,
		window: {
			opensAt: new Date(config.opensAt).toISOString(),
			closesAt: new Date(config.closesAt).toISOString(),
		},
		rites: config.rites,
		liveStreamUrl: config.liveStreamUrl,
		status: statusOf(config, now),
		shardCount: config.shardCount,
		limits: config.limits,
		final: config.closedAt !== null,
		version: config.version,
	};
}
