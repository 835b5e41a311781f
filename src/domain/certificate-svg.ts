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

/** The certificate as a self-contained SVG (no external fonts or images); every text is escaped. */
export function certificateSvg(facts: CertificateFacts): string {
	const words = WORDING[facts.locale];
	const number = facts.number.toLocaleString(facts.locale === "en" ? "en-US" : "zh-CN");
	const name = escapeXml(facts.displayName ?? words.anonymous);
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
<text x="540" y="620" font-size="72" font-weight="700">${name}</text>
<text x="540" y="800" font-size="56" fill="#9e1b1b">${escapeXml(words.line(number))}</text>
<text x="540" y="1120" font-size="36">${escapeXml(words.dateLabel)} ${escapeXml(facts.date)}</text>
<text x="540" y="1240" font-size="32" fill="#7a5a2a">黄帝故里 · 新郑</text>
</g>
<circle cx="880" cy="1180" r="90" fill="none" stroke="#b22222" stroke-width="8"/>
<text x="880" y="1200" font-family="${serif}" font-size="52" text-anchor="middle" fill="#b22222">拜祖</text>
</svg>`;
}
