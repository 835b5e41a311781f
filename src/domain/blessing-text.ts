import { toSimplified, toTraditional } from "./script";

export const BLESSING_MAX_LENGTH = 200;
export const DISPLAY_NAME_MAX_LENGTH = 32;

// Control characters (but tab/newline, which become spaces), and every code point Unicode marks as
// default-ignorable (zero-width and bidi marks, U+034F, variation selectors, tag characters, Hangul
// fillers, U+061C...: the property from the engine's own tables), plus the Braille blank U+2800,
// which renders as a space without being one. Any of these could split a hold word unseen.
const INVISIBLE =
	/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\p{Default_Ignorable_Code_Point}\p{Variation_Selector}\u{E0000}-\u{E007F}\u2800]/gu;

// Full-width punctuation (，！？：；（）…) is how Chinese is written: NFKC would turn it into ASCII.
const FULL_WIDTH_PUNCTUATION = /([\uFF01-\uFF0F\uFF1A-\uFF20\uFF3B-\uFF40\uFF5B-\uFF65])/u;

/**
 * NFKC (so that full-width letters, circled digits and the like cannot slip past the word list),
 * keeping full-width punctuation; invisible characters removed; whitespace collapsed; trimmed.
 * A text that is empty after this had nothing visible in it. The input must be well-formed
 * UTF-16 (see WellFormedText in schemas/common.ts).
 */
export const normaliseText = (raw: string): string =>
	raw
		.split(FULL_WIDTH_PUNCTUATION)
		.map((part) => (FULL_WIDTH_PUNCTUATION.test(part) ? part : part.normalize("NFKC")))
		.join("")
		.replace(INVISIBLE, "")
		.replace(/\s+/gu, " ")
		.trim();

/** Length as a reader counts it: code points, not UTF-16 units. */
export const textLength = (text: string): number => [...text].length;

export interface BlessingText {
	hans: string;
	hant: string;
	held: boolean;
}

/** The configured word list (comma-separated), each word in both scripts, lower-cased. */
export const parseHoldWords = (list: string | undefined): string[] => [
	...new Set(
		(list ?? "")
			.split(",")
			.map((word) => normaliseText(word).toLowerCase())
			.filter((word) => word.length > 0)
			.flatMap((word) => [toSimplified(word), toTraditional(word)]),
	),
];

/** True when a normalised text contains a hold word (from parseHoldWords), in either script and any case. */
export function isHeld(normalised: string, holdWords: readonly string[]): boolean {
	const hans = toSimplified(normalised);
	return heldIn(hans, toTraditional(hans), holdWords);
}

const heldIn = (hans: string, hant: string, holdWords: readonly string[]) => {
	const haystack = `${hans}\n${hant}`.toLowerCase();
	return holdWords.some((word) => haystack.includes(word));
};

/**
 * Both scripts of a normalised blessing, and whether the word list holds it for review.
 * Words (from parseHoldWords) match in either script and in any case, so 廣告 is caught by 广告.
 */
export function prepareBlessing(normalised: string, holdWords: readonly string[]): BlessingText {
	const hans = toSimplified(normalised);
	const hant = toTraditional(hans);
	return { hans, hant, held: heldIn(hans, hant, holdWords) };
}
