import { type DictGroup, Trie } from "opencc-js/core";
import { configs } from "opencc-js/preset";

/**
 * opencc's dictionary with opencc's own matching (the longest key at each position; the first
 * dictionary of a group wins a key), held in one flat map instead of a map per character.
 *
 * opencc-js builds a trie of nested `Map`s: about 550,000 objects for the two converters below,
 * which every full garbage collection of the isolate marks, 300-500 ms on this project's bench
 * machine, every few seconds, during which every request waits (docs/BENCHMARKS.md). A flat map
 * holds the same words in a few large tables and their strings. `segment` and `convert` are
 * opencc's, over this `matchPrefix`.
 */
class FlatTrie extends Trie {
	private readonly words = new Map<string, string>();
	/** Per first UTF-16 unit, the lengths of the words that start with it: bit n for length n + 1. */
	private readonly lengths = new Map<number, number>();

	override addWord(source: string, replacement: string): void {
		// opencc's longest key is 15 units; a dictionary with longer ones needs a wider mask.
		if (source.length > 32) throw new Error(`a dictionary word of ${source.length} UTF-16 units: at most 32`);
		this.words.set(source, replacement);
		const first = source.charCodeAt(0);
		this.lengths.set(first, (this.lengths.get(first) ?? 0) | (1 << (source.length - 1)));
	}

	/** The longest word at the offset: each length that a word of its first unit has, longest first. */
	override matchPrefix(text: string, offset: number): { end: number; value: string } | null {
		let lengths = this.lengths.get(text.charCodeAt(offset)) ?? 0;
		const left = text.length - offset;
		if (left < 32) lengths &= (1 << left) - 1;
		while (lengths !== 0) {
			const length = 32 - Math.clz32(lengths);
			const value = this.words.get(text.slice(offset, offset + length));
			if (value !== undefined) return { end: offset + length, value };
			lengths &= ~(1 << (length - 1));
		}
		return null;
	}
}

/** opencc's configuration: normalisation, then segmentation into phrases, then each conversion in turn. */
interface Config {
	normalizationChain: readonly DictGroup[];
	segmentation: DictGroup;
	conversionChain: readonly DictGroup[];
}

const trieOf = (group: DictGroup): FlatTrie => {
	const trie = new FlatTrie();
	trie.loadDictGroup(group);
	return trie;
};

/** What opencc-js's `Converter` builds for a configuration with segmentation, over flat tries. */
function converterOf(config: Config): (text: string) => string {
	const normalize = config.normalizationChain.map(trieOf);
	const segmentation = trieOf(config.segmentation);
	const chain = config.conversionChain.map(trieOf);
	return (text) => {
		const normal = normalize.reduce((converted, trie) => trie.convert(converted), text);
		return chain
			.reduce((segments, trie) => segments.map((segment) => trie.convert(segment)), segmentation.segment(normal))
			.join("");
	};
}

// Taiwan-standard characters without phrase substitution: the words a participant wrote stay theirs.
// opencc-js's published types leave out the configurations' normalizationChain, which they have;
// tests/unit/script.test.ts holds the result to opencc-js's own Converter.
const hansToHant = converterOf(configs.s2tw as unknown as Config);
const hantToHans = converterOf(configs.tw2s as unknown as Config);

export const toTraditional = (text: string): string => hansToHant(text);
export const toSimplified = (text: string): string => hantToHans(text);
