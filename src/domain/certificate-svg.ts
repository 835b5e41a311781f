import type { Locale } from "../schemas/common";

export interface CertificateFacts {
	ceremonyName: string;
	date: string;
	number: number;
	displayName: string | null;
	locale: Locale;
}

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
export const escapeXml = (text: string) => text.replace(/[&<>"']/g, (c) => ESCAPES[c] as string);

const WORDING: Record<Locale, { title: string; line: (n: string) => string; anonymous: string; dateLabel: string }> = {
	"zh-Hans": {
		title: "网上拜祖证书",
		line: (n) => `您是第 ${n} 位网上拜祖者`,
		anonymous: "华夏儿女",
		dateLabel: "拜祖日期",
	},
	"zh-Hant": {
		title: "網上拜祖證書",
		line: (n) => `您是第 ${n} 位網上拜祖者`,
		anonymous: "華夏兒女",
		dateLabel: "拜祖日期",
	},
	en: {
		title: "Certificate of Online Worship",
		line: (n) => `You are online worshipper No. ${n}`,
		anonymous: "A descendant of the Yellow Emperor",
		dateLabel: "Ceremony date",
	},
};

/** Room for the name inside the inner frame (x 70 to 1010), with a margin on each side. */
const NAME_WIDTH = 820;
const NAME_MAX_SIZE = 72;
/** Below this size on one line, the name is set on two lines. */
const ONE_LINE_MIN_SIZE = 48;
const NAME_MIDDLE_Y = 600;

const segmenter = new Intl.Segmenter("und", { granularity: "grapheme" });
const graphemes = (text: string) => Array.from(segmenter.segment(text), (s) => s.segment);

/**
 * An upper bound of a grapheme's advance, in em, for the serif faces the certificate names: an
 * SVG served as an image cannot measure its text, so the name is sized by generous widths.
 */
function advanceEm(grapheme: string): number {
	const c = grapheme.codePointAt(0) ?? 0;
	if (/\s/u.test(grapheme)) return 0.33;
	if (
		/[\p{Script=Han}\p{Script=Hangul}\p{Script=Hiragana}\p{Script=Katakana}\u3000-\u303F\uFF00-\uFFEF]/u.test(grapheme)
	)
		return 1.05;
	if (/[MWmw@ЖЩШЮжщшюМм]/u.test(grapheme)) return 1.05;
	if (c < 0x80) return /[A-Z0-9]/.test(grapheme) ? 0.8 : 0.62;
	return 0.9;
}

const widthEm = (parts: string[]) => parts.reduce((sum, g) => sum + advanceEm(g), 0);

/** Splits the name in two lines of about equal width, at a space when there is one near the middle. */
function splitInTwo(parts: string[]): [string[], string[]] {
	const total = widthEm(parts);
	let best = 1;
	let bestScore = Number.POSITIVE_INFINITY;
	let run = 0;
	for (let i = 1; i < parts.length; i++) {
		run += advanceEm(parts[i - 1] as string);
		const atSpace = /\s/u.test(parts[i - 1] as string) || /\s/u.test(parts[i] as string);
		// Prefer a space: a break inside a word counts as a quarter of the width off balance.
		const score = Math.abs(total / 2 - run) + (atSpace ? 0 : total / 4);
		if (score < bestScore) {
			bestScore = score;
			best = i;
		}
	}
	const trim = (p: string[]) => graphemes(p.join("").trim());
	return [trim(parts.slice(0, best)), trim(parts.slice(best))];
}

/** The name's lines and font size: one line at up to 72 px, else two lines sized to the wider one. */
export function fitName(name: string): { lines: string[]; size: number } {
	const parts = graphemes(name);
	const oneLine = Math.min(NAME_MAX_SIZE, Math.floor(NAME_WIDTH / Math.max(1, widthEm(parts))));
	if (oneLine >= ONE_LINE_MIN_SIZE || parts.length < 2) return { lines: [name], size: Math.max(oneLine, 24) };
	const [first, second] = splitInTwo(parts);
	const size = Math.min(NAME_MAX_SIZE, Math.floor(NAME_WIDTH / Math.max(widthEm(first), widthEm(second))));
	return { lines: [first.join(""), second.join("")], size };
}

/** The certificate as a self-contained SVG (no external fonts or images); every text is escaped. */
export function certificateSvg(facts: CertificateFacts): string {
	const words = WORDING[facts.locale];
	const number = facts.number.toLocaleString(facts.locale === "en" ? "en-US" : "zh-CN");
	const fitted = fitName(facts.displayName ?? words.anonymous);
	const lineHeight = Math.round(fitted.size * 1.25);
	// Two lines sit either side of the middle; one line on it.
	const firstBaseline = NAME_MIDDLE_Y + Math.round(fitted.size * 0.35) - ((fitted.lines.length - 1) * lineHeight) / 2;
	const name = fitted.lines
		.map(
			(line, i) =>
				`<text class="name" x="540" y="${firstBaseline + i * lineHeight}" font-size="${fitted.size}" font-weight="700">${escapeXml(line)}</text>`,
		)
		.join("\n");
	const serif = "'Noto Serif CJK SC','Source Han Serif SC','Songti SC','SimSun',serif";
	return `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="1080" height="1440" viewBox="0 0 1080 1440" role="img" aria-label="${escapeXml(words.line(number))}">
<title>${escapeXml(words.title)}</title>
<rect width="1080" height="1440" fill="#fbf4e4"/>
<rect x="40" y="40" width="1000" height="1360" fill="none" stroke="#9e1b1b" stroke-width="12"/>
<rect x="70" y="70" width="940" height="1300" fill="none" stroke="#c9a24a" stroke-width="4"/>
<g font-family="${serif}" text-anchor="middle" fill="#2b1d14">
<text x="540" y="250" font-size="64" fill="#9e1b1b" font-weight="700">${escapeXml(words.title)}</text>
<text x="540" y="380" font-size="40">${escapeXml(facts.ceremonyName)}</text>
${name}
<text x="540" y="800" font-size="56" fill="#9e1b1b">${escapeXml(words.line(number))}</text>
<text x="540" y="1120" font-size="36">${escapeXml(words.dateLabel)} ${escapeXml(facts.date)}</text>
<text x="540" y="1240" font-size="32" fill="#7a5a2a">黄帝故里 · 新郑</text>
</g>
<circle cx="880" cy="1180" r="90" fill="none" stroke="#b22222" stroke-width="8"/>
<text x="880" y="1200" font-family="${serif}" font-size="52" text-anchor="middle" fill="#b22222">拜祖</text>
</svg>`;
}
