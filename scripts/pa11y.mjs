#!/usr/bin/env node
// pa11y (WCAG2AA, HTML_CodeSniffer runner, Debian's Chromium) on the participant page and the
// committee console, against the running service; fails on any error it reports.
// Install with PUPPETEER_SKIP_DOWNLOAD=1: the audit drives /usr/bin/chromium, never a downloaded browser.
import pa11y from "pa11y";
import { startService } from "./service.mjs";

const PAGES = ["/", "/admin/"];
const CHROME = process.env.CHROME_PATH ?? "/usr/bin/chromium";

const service = await startService();
let errors = 0;
try {
	for (const path of PAGES) {
		const result = await pa11y(`${service.baseURL}${path}`, {
			standard: "WCAG2AA",
			runners: ["htmlcs"],
			includeWarnings: false,
			includeNotices: false,
			timeout: 120_000,
			// The page's polling never lets the network go idle: wait for the first view's button instead.
			wait: 500,
			chromeLaunchConfig: {
				executablePath: CHROME,
				args: ["--headless=new", "--no-sandbox", "--disable-gpu"],
			},
		});
		const found = result.issues.filter((i) => i.type === "error");
		errors += found.length;
		console.log(`${path}: ${found.length} error(s)`);
		for (const i of found) console.log(`  ${i.code}\n    ${i.message}\n    ${i.selector}: ${i.context}`);
	}
} finally {
	service.stop();
}
if (errors) {
	console.error(`pa11y: ${errors} error(s)`);
	process.exit(1);
}
console.log("pa11y: no errors");
