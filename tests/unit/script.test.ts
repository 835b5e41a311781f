import fc from "fast-check";
import * as OpenCC from "opencc-js";
import { configs } from "opencc-js/preset";
import { describe, expect, it } from "vitest";
import { toSimplified, toTraditional } from "../../src/domain/script";

// The converters keep opencc's dictionaries in flat maps; opencc-js's own converters are the oracle.
const opencc = {
	toTraditional: OpenCC.Converter({ from: "cn", to: "tw" }),
	toSimplified: OpenCC.Converter({ from: "tw", to: "cn" }),
};

/** Every key of the dictionaries the two conversions use. */
const keys = [
	...new Set(
		[configs.s2tw, configs.tw2s].flatMap((config) =>
			(config as unknown as { conversionChain: string[][] }).conversionChain
				.flat()
				.flatMap((dict) => dict.split("|").map((line) => line.split(" ")[0] as string)),
		),
	),
];

describe("simplified and traditional script conversion", () => {
	it("converts every dictionary key, alone and run together with the next one, as opencc-js does", () => {
		expect(keys.length).toBeGreaterThan(40_000);
		const ours: string[] = [];
		const theirs: string[] = [];
		keys.forEach((key, n) => {
			const pair = key + (keys[n + 1] ?? "");
			for (const text of [key, pair]) {
				ours.push(toTraditional(text), toSimplified(text));
				theirs.push(opencc.toTraditional(text), opencc.toSimplified(text));
			}
		});
		expect(ours).toEqual(theirs);
	});

	it("converts any text of phrases, characters, ideographic description sequences, compatibility ideographs and other scripts as opencc-js does", () => {
		const phrase = fc.constantFrom(...keys);
		const character = fc.constantFrom(...[...new Set(keys.join(""))]);
		const other = fc.constantFrom(
			"⿰",
			"⿱",
			"⿲",
			"⿻",
			"𠀀",
			"𪚥",
			"豈",
			"更",
			"a",
			" ",
			"，",
			"。",
			"\u3000",
			"é",
			"😀",
			"\ud800",
		);
		const text = fc.array(fc.oneof(phrase, character, other), { maxLength: 24 }).map((parts) => parts.join(""));
		fc.assert(
			fc.property(text, (t) => {
				expect(toTraditional(t)).toBe(opencc.toTraditional(t));
				expect(toSimplified(t)).toBe(opencc.toSimplified(t));
			}),
			{ numRuns: 3_000 },
		);
	});
});
