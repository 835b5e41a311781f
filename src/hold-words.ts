import { parseHoldWords } from "./domain/blessing-text";

let parsed: { list: string | undefined; words: string[] } | null = null;

/** The configured hold words (BLESSING_HOLD_WORDS), parsed once per isolate and list. */
export function holdWordsOf(env: Env): string[] {
	if (parsed?.list !== env.BLESSING_HOLD_WORDS) {
		parsed = { list: env.BLESSING_HOLD_WORDS, words: parseHoldWords(env.BLESSING_HOLD_WORDS) };
	}
	return parsed.words;
}
