#!/usr/bin/env node
// html-validate (recommended preset, .htmlvalidate.json) on every page the service serves, as sent:
// the participant page, the committee console, the embeddable counter, the API documentation and
// a certificate's share page. Fails on anything it reports.
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { formatterFactory, HtmlValidate } from "html-validate";
import { startService } from "./service.mjs";

const service = await startService();
const validator = new HtmlValidate(JSON.parse(readFileSync(".htmlvalidate.json", "utf8")));
const stylish = formatterFactory("stylish");
let problems = 0;
try {
	const participant = await fetch(`${service.baseURL}/api/v1/participants`, {
		method: "POST",
		headers: { "content-type": "application/json" },
		body: JSON.stringify({ locale: "zh-Hans" }),
	});
	if (!participant.ok) throw new Error(`could not make a participant: ${participant.status}`);
	const { participantId, token } = /** @type {{participantId: string, token: string}} */ (await participant.json());
	const year = /** @type {{year: number}} */ (
		await (await fetch(`${service.baseURL}/api/v1/ceremonies/current`)).json()
	).year;
	// A certificate, and so a share page, comes with the first counted offering.
	const offered = await fetch(`${service.baseURL}/api/v1/ceremonies/${year}/actions`, {
		method: "POST",
		headers: { "content-type": "application/json", authorization: `Bearer ${token}`, "idempotency-key": randomUUID() },
		body: JSON.stringify({ type: "flower" }),
	});
	if (!offered.ok) throw new Error(`could not offer flowers: ${offered.status}`);
	const pages = [
		"/",
		"/?lang=en",
		"/?lang=zh-Hant",
		"/admin/",
		"/embed/counter.html",
		"/api/docs",
		`/c/${year}/${participantId}`,
	];
	for (const path of pages) {
		const res = await fetch(`${service.baseURL}${path}`);
		if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
		const report = await validator.validateString(await res.text(), path);
		problems += report.errorCount + report.warningCount;
		console.log(
			`${path}: ${report.valid && report.warningCount === 0 ? "valid" : `${report.errorCount} error(s), ${report.warningCount} warning(s)`}`,
		);
		if (report.results.length) console.log(stylish(report.results));
	}
} finally {
	service.stop();
}
if (problems) {
	console.error(`html-validate: ${problems} problem(s)`);
	process.exit(1);
}
console.log("html-validate: every page valid");
