/**
 * Counts and clock times written without `Intl`. Building the first `Intl.NumberFormat` or
 * `Intl.DateTimeFormat` loads the browser's locale data, which on a slow phone costs more
 * main-thread time than drawing the first view; the participant page's live counters use these.
 */

/**
 * Whole numbers as the page's three locales (zh-CN, zh-TW, en-US) write them: digits grouped by
 * thousands with ",", which is what `Intl.NumberFormat` gives for each of them (tests/unit and
 * tests/browser/first-view hold the two equal).
 * @param {number} n
 * @returns {string | null} the grouped digits, or null for what is not a non-negative safe integer
 */
export function groupedDigits(n) {
	if (!Number.isSafeInteger(n) || n < 0) return null;
	return String(n).replace(/\B(?=(\d{3})+$)/g, ",");
}

/** @param {number} n */
const two = (n) => String(n).padStart(2, "0");

/**
 * The reader's local time on a 24-hour clock, "HH:MM:SS": what zh-CN's medium time style writes,
 * and read alike in zh-TW and English, whose own styles (凌晨/上午/下午…, AM/PM) need the locale data.
 * @param {Date} at
 * @returns {string}
 */
export function clockTime(at) {
	return `${two(at.getHours())}:${two(at.getMinutes())}:${two(at.getSeconds())}`;
}
