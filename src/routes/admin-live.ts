import { createRoute, z } from "@hono/zod-openapi";
import { LIVE_YEAR_HEADER, WrongCeremony } from "../../durable/ceremony-protocol";
import { issueTicket, verifyTicket } from "../auth/live-ticket";
import { ceremonyAnswer, ceremonyStub, loadCeremony } from "../ceremonies";
import { nextCeremonyYear } from "../domain/calendar";
import { committeeMemberOf, requireCommittee } from "../http/guards";
import { subApp } from "../http/openapi";
import { Problem } from "../http/problem";
import { checkSecret, requireSecrets } from "../http/secrets";
import { bodyAnswers, busy } from "../schemas/answers";
import { problemContent, Timestamp, YearParam } from "../schemas/common";
import { LiveTicketInput, LiveTotals } from "../schemas/live";

export const adminLive = subApp();

adminLive.openapi(
	createRoute({
		method: "post",
		path: "/api/v1/admin/tickets",
		tags: ["committee"],
		security: [{ committeeToken: [] }],
		middleware: [requireSecrets("PARTICIPANT_TOKEN_SECRET"), requireCommittee],
		operationId: "issueLiveTicket",
		summary: "A single-use ticket, valid 30 s, for a browser's live socket on one ceremony",
		description: "A browser opens the live socket with `?ticket=`, so that the committee token never appears in a URL.",
		request: {
			body: { content: { "application/json": { schema: LiveTicketInput } }, required: false },
		},
		responses: {
			201: {
				description: "The ticket",
				content: {
					"application/json": { schema: z.object({ ticket: z.string(), expiresAt: Timestamp }).openapi("LiveTicket") },
				},
			},
			400: problemContent("`validation` or `malformed-request`: an invalid year"),
			401: problemContent("`unauthorized`: no committee token"),
			...bodyAnswers,
		},
	}),
	async (c) => {
		const year = c.req.valid("json")?.year ?? nextCeremonyYear(Date.now());
		const { ticket, expiresAt } = await issueTicket(c.get("member").name, year, c.env.PARTICIPANT_TOKEN_SECRET);
		return c.json({ ticket, expiresAt: new Date(expiresAt).toISOString() }, 201, { "cache-control": "no-store" });
	},
);

const unauthorized = (detail: string) => new Problem(401, "unauthorized", "Authentication required", detail);

adminLive.openapi(
	createRoute({
		method: "get",
		path: "/api/v1/admin/ceremonies/{year}/live",
		tags: ["committee"],
		security: [{ committeeToken: [] }],
		operationId: "openLiveTotals",
		summary: "WebSocket of live totals (Authorization header from programs, ?ticket= from browsers)",
		description:
			'Opened as a WebSocket (`Upgrade: websocket`), it sends a LiveTotals message at once, then at most once a second when the figures changed; send {"type":"ping"} for a pong with the time of the last change. Without the upgrade, it answers that first LiveTotals message once, as JSON, for programs that poll.',
		request: {
			params: YearParam,
			query: z.object({ ticket: z.string().max(400).optional() }),
		},
		responses: {
			101: {
				description: "Switching to the WebSocket; messages are LiveTotals",
				content: { "application/json": { schema: LiveTotals } },
			},
			200: {
				description: "Without `Upgrade: websocket`: the live totals now",
				content: { "application/json": { schema: LiveTotals } },
			},
			400: problemContent("`validation`: an invalid year or ticket"),
			401: problemContent("`unauthorized`: neither a committee token nor a valid, unused ticket"),
			404: problemContent("`ceremony-not-found`: no ceremony for that year"),
			503: busy,
		},
	}),
	// @ts-expect-error the 101 and 200 answers come from the CeremonyDO
	async (c) => {
		const { year } = c.req.valid("param");
		const { ticket } = c.req.valid("query");
		checkSecret(c.env, "COMMITTEE_TOKENS");
		checkSecret(c.env, "PARTICIPANT_TOKEN_SECRET");
		const fromHeader = committeeMemberOf(c.req.header("authorization"), c.env.COMMITTEE_TOKENS);
		const verified = !fromHeader && ticket ? await verifyTicket(ticket, c.env.PARTICIPANT_TOKEN_SECRET) : null;
		const fromTicket = verified?.year === year ? verified : null;
		if (!fromHeader && !fromTicket) {
			throw unauthorized(
				ticket
					? "The ticket is not valid, has expired, or is for another ceremony."
					: "Send a committee token or a ticket.",
			);
		}
		await loadCeremony(c.env, year);
		const stub = ceremonyStub(c.env, year);
		if (
			fromTicket &&
			ceremonyAnswer(await stub.useTicket(year, fromTicket.nonce, fromTicket.expiresAt)).kind === "used"
		) {
			throw unauthorized("This ticket has been used.");
		}
		const headers = new Headers(c.req.raw.headers);
		headers.set("x-committee-member", fromHeader?.name ?? fromTicket?.member ?? "unknown");
		headers.set(LIVE_YEAR_HEADER, `${year}`);
		const answer = await stub.fetch(new Request(c.req.raw.url, { method: "GET", headers }));
		if (answer.status === 421) ceremonyAnswer(WrongCeremony.parse(await answer.json()));
		return answer;
	},
);
