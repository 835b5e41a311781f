import * as OpenCC from "opencc-js";

// Taiwan-standard characters without phrase substitution: the words a participant wrote stay theirs.
const hansToHant = OpenCC.Converter({ from: "cn", to: "tw" });
const hantToHans = OpenCC.Converter({ from: "tw", to: "cn" });

export const toTraditional = (text: string): string => hansToHant(text);
export const toSimplified = (text: string): string => hantToHans(text);
