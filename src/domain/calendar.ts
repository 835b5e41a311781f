import { Lunar } from "lunar-javascript";
import { toTraditional } from "./script";

/** Beijing time, where the ceremony's day and its broadcast are set. */
const BEIJING_OFFSET_MS = 8 * 3_600_000;
const DAY_MS = 86_400_000;

const byYear = new Map<number, { date: string; ganzhi: string }>();

/** 农历三月初三 of a year; computed once per year per isolate (every action's window check asks). */
function lunarThirdOfThird(year: number) {
	let day = byYear.get(year);
	if (!day) {
		const lunar = Lunar.fromYmd(year, 3, 3);
		day = { date: lunar.getSolar().toYmd(), ganzhi: lunar.getYearInGanZhi() };
		byYear.set(year, day);
	}
	return day;
}

/** 农历三月初三 of that year, as a Gregorian date (YYYY-MM-DD). */
export const ceremonyDate = (year: number): string => lunarThirdOfThird(year).date;

/** The sexagenary (干支) name of the lunar year, e.g. 丁未 for 2027. */
export const sexagenaryYear = (year: number): string => lunarThirdOfThird(year).ganzhi;

export function ceremonyName(year: number) {
	const hans = `${sexagenaryYear(year)}年黄帝故里拜祖大典`;
	return {
		"zh-Hans": hans,
		"zh-Hant": toTraditional(hans),
		en: `Yellow Emperor Hometown Ancestor Worship Ceremony, ${year} (${sexagenaryYear(year)} year)`,
	};
}

/** Midnight at the start of a Beijing calendar day, as epoch ms. */
export const beijingMidnight = (isoDate: string): number => Date.parse(`${isoDate}T00:00:00Z`) - BEIJING_OFFSET_MS;

/** The default window of online participation: two weeks before the day until three days after. */
export function defaultWindow(year: number): { opensAt: number; closesAt: number } {
	const day = beijingMidnight(ceremonyDate(year));
	return { opensAt: day - 14 * DAY_MS, closesAt: day + 3 * DAY_MS };
}

/** The ceremony that is open now or comes next: the first whose default window has not closed. */
export function nextCeremonyYear(now: number): number {
	let year = new Date(now + BEIJING_OFFSET_MS).getUTCFullYear();
	while (defaultWindow(year).closesAt <= now) year++;
	return year;
}
