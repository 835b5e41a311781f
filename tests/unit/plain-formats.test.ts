import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LANGS, localeOf } from "../../public/shared/lang.js";
import { clockTime, groupedDigits } from "../../public/shared/plain-formats.js";

describe("plain formats", () => {
	it("writes every count as Intl.NumberFormat does in each of the page's languages", () => {
		const formats = LANGS.map((lang) => new Intl.NumberFormat(localeOf(lang)));
		const counts = fc.oneof(
			fc.integer({ min: 0, max: 9_999 }),
			fc.integer({ min: 0, max: 2_000_000_000 }),
			fc.constantFrom(0, 999, 1_000, 999_999, 1_000_000, 16_850_000, Number.MAX_SAFE_INTEGER),
		);
		fc.assert(
			fc.property(counts, (n) => {
				for (const format of formats) expect(groupedDigits(n)).toBe(format.format(n));
			}),
			{ numRuns: 2_000 },
		);
	});

	it("leaves what is not a count to Intl", () => {
		for (const n of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, Number.MAX_SAFE_INTEGER + 2])
			expect(groupedDigits(n)).toBeNull();
	});

	it("writes the clock as zh-CN's medium time style does, at every second of a day", () => {
		const medium = new Intl.DateTimeFormat(localeOf("zh-Hans"), { timeStyle: "medium" });
		const midnight = new Date(2027, 3, 9).getTime();
		for (let s = 0; s < 86_400; s += 7) {
			const at = new Date(midnight + s * 1000);
			expect(clockTime(at)).toBe(medium.format(at));
		}
	});
});
