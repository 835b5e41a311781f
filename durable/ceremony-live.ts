import { z } from "zod";
import { isOverseas } from "../src/domain/regions";
import { presentStats } from "../src/present/figures";
import { LiveClientMessage, type LivePong, type LiveTotals, UNKNOWN_LIVE_MESSAGE } from "../src/schemas/live";
import { totalOf } from "./action-columns";
import type { CeremonyFigures } from "./ceremony-figures";
import type { TicketOutcome } from "./ceremony-protocol";
import type { BlessingWall } from "./ceremony-wall";
import type { SnapshotMerge } from "./snapshot-merge";
import type { SqlQuery } from "./sql";

/** What a live socket remembers across hibernation, parsed with this schema when the object wakes. */
const SocketAttachment = z.object({
	member: z.string(),
	connectedAt: z.number(),
	lastDigest: z.string().nullable(),
});
type SocketAttachment = z.infer<typeof SocketAttachment>;

/**
 * The committee's live view: hibernating sockets, each sent the figures when they changed, at
 * most once a second and only while someone is watching. The object speaks to the committee's
 * browser itself here, so, unlike its RPC outcomes, these messages are in their public shape
 * (src/schemas/live.ts, made with src/present).
 */
export class LiveRoom {
	private broadcastTimer: ReturnType<typeof setTimeout> | null = null;
	private lastBroadcastAt = 0;
	private changedAt: number | null = null;
	private rateSamples: Array<{ at: number; total: number }> = [];

	constructor(
		private readonly ctx: DurableObjectState,
		private readonly sql: SqlQuery,
		private readonly figures: CeremonyFigures,
		private readonly merge: SnapshotMerge,
		private readonly wall: BlessingWall,
		private readonly year: () => number,
	) {}

	/** A ticket is good once: its nonce is kept until the ticket expires. */
	useTicket(nonce: string, expiresAt: number): TicketOutcome {
		const now = Date.now();
		this.sql`DELETE FROM used_tickets WHERE expires_at < ${now}`;
		const fresh = this
			.sql`INSERT OR IGNORE INTO used_tickets (nonce, expires_at) VALUES (${nonce}, ${expiresAt}) RETURNING nonce`;
		return fresh.length === 0 ? { kind: "used" } : { kind: "fresh" };
	}

	/** The socket, for a member the Worker authenticated; without an upgrade, the figures once. */
	async connect(request: Request): Promise<Response> {
		const member = request.headers.get("x-committee-member") ?? "unknown";
		if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
			return Response.json(this.message(), { headers: { "cache-control": "no-store" } });
		}
		const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
		this.ctx.acceptWebSocket(server);
		const message = this.message();
		this.deliver(server, JSON.stringify(message), this.digestOf(message), { member, connectedAt: Date.now() });
		return new Response(null, { status: 101, webSocket: client });
	}

	answer(ws: WebSocket, raw: string | ArrayBuffer): void {
		let parsed: unknown = null;
		try {
			parsed = typeof raw === "string" && raw.length <= 1024 ? JSON.parse(raw) : null;
		} catch {
			parsed = null;
		}
		if (!LiveClientMessage.safeParse(parsed).success) {
			ws.send(JSON.stringify(UNKNOWN_LIVE_MESSAGE));
			return;
		}
		const pong: LivePong = {
			type: "pong",
			at: new Date().toISOString(),
			changedAt: this.changedAt === null ? null : new Date(this.changedAt).toISOString(),
		};
		ws.send(JSON.stringify(pong));
	}

	/** The figures changed: at most one broadcast a second, and only while someone is watching. */
	changed(): void {
		this.changedAt = Date.now();
		if (this.broadcastTimer || this.ctx.getWebSockets().length === 0) return;
		const wait = Math.max(0, this.lastBroadcastAt + 1000 - Date.now());
		this.broadcastTimer = setTimeout(() => {
			this.broadcastTimer = null;
			this.broadcast();
		}, wait);
	}

	/** Sends the totals to every socket that has not seen them yet; nothing when nothing changed. */
	broadcast(): number {
		this.lastBroadcastAt = Date.now();
		const message = this.message();
		const digest = this.digestOf(message);
		const text = JSON.stringify(message);
		let sent = 0;
		for (const ws of this.ctx.getWebSockets()) {
			// A socket not yet sent anything has no attachment, and one that does not parse is sent the figures anew.
			const attachment = SocketAttachment.nullable()
				.catch(null)
				.parse(ws.deserializeAttachment() ?? null);
			if (attachment?.lastDigest === digest) continue;
			if (this.deliver(ws, text, digest, attachment ?? { member: "unknown", connectedAt: Date.now() })) sent++;
		}
		return sent;
	}

	/** Sends the figures and records, in the socket's attachment, that it has seen them. */
	private deliver(ws: WebSocket, text: string, digest: string, who: Omit<SocketAttachment, "lastDigest">): boolean {
		try {
			ws.send(text);
			ws.serializeAttachment({ ...who, lastDigest: digest } satisfies SocketAttachment);
			return true;
		} catch {
			return false; // a socket closing under us
		}
	}

	/** What the figures are, leaving out what moves with time alone (ages, the time of sending). */
	private digestOf(message: LiveTotals): string {
		return JSON.stringify([
			message.stats.participants,
			message.stats.actions,
			message.stats.blessingsPublished,
			message.stats.final,
			message.shards.map((s) => [s.shardIndex, s.version, s.sealed]),
			message.queue,
		]);
	}

	private message(): LiveTotals {
		const year = this.year();
		const now = Date.now();
		const stats = presentStats(year, this.figures.figures());
		const total = totalOf(stats.actions);
		this.rateSamples = [...this.rateSamples.filter((s) => now - s.at <= 10_000), { at: now, total }];
		const oldest = this.rateSamples[0] as { at: number; total: number };
		const ratePerSecond = now - oldest.at >= 1000 ? ((total - oldest.total) * 1000) / (now - oldest.at) : 0;
		const regions = this.figures.regions().regions;
		const known = regions.filter((r) => r.region !== "XX").reduce((n, r) => n + r.participants, 0);
		const overseas = regions.filter((r) => isOverseas(r.region)).reduce((n, r) => n + r.participants, 0);
		return {
			type: "totals",
			at: new Date(now).toISOString(),
			stats,
			ratePerSecond: Math.round(ratePerSecond * 10) / 10,
			regions: regions.slice(0, 20).map((r) => ({ region: r.region, participants: r.participants })),
			overseasShare: known === 0 ? 0 : overseas / known,
			shards: this.merge.shards().map((r) => ({
				shardIndex: r.shardIndex,
				version: r.version,
				takenAt: new Date(r.takenAt).toISOString(),
				receivedAt: new Date(r.receivedAt).toISOString(),
				ageMs: Math.max(0, now - r.takenAt),
				lagMs: Math.max(0, r.receivedAt - r.takenAt),
				participants: r.participants,
				actions: r.actions,
				sealed: r.sealed,
			})),
			queue: this.wall.queueSizes(),
		};
	}
}
