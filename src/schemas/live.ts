import { z } from "@hono/zod-openapi";
import { ActionCounts, Timestamp } from "./common";
import { Stats } from "./stats";

export const ShardHealth = z
	.object({
		shardIndex: z.number().int(),
		version: z.number().int(),
		takenAt: Timestamp,
		receivedAt: Timestamp,
		ageMs: z.number().int().openapi({ description: "Time since the shard took its last snapshot" }),
		lagMs: z.number().int().openapi({ description: "From the snapshot being taken to the CeremonyDO having it" }),
		participants: z.number().int(),
		actions: ActionCounts,
		sealed: z.boolean(),
	})
	.openapi("ShardHealth");
export type ShardHealth = z.infer<typeof ShardHealth>;

/** What the committee's live socket sends: at once on connecting, then at most once a second when it changed. */
export const LiveTotals = z
	.object({
		type: z.literal("totals"),
		at: Timestamp,
		stats: Stats,
		ratePerSecond: z.number(),
		regions: z.array(z.object({ region: z.string(), participants: z.number().int() })),
		overseasShare: z
			.number()
			.openapi({ description: "Share of participants with a known region outside mainland China" }),
		shards: z.array(ShardHealth),
		queue: z.object({ held: z.number().int(), reported: z.number().int() }),
	})
	.openapi("LiveTotals");
export type LiveTotals = z.infer<typeof LiveTotals>;

/** Messages a client may send on the live socket. */
export const LiveClientMessage = z.discriminatedUnion("type", [z.object({ type: z.literal("ping") })]);

export const LivePongMessage = z.object({
	type: z.literal("pong"),
	at: Timestamp,
	changedAt: Timestamp.nullable().openapi({ description: "When the figures last changed" }),
});

export type LivePong = z.infer<typeof LivePongMessage>;

/** The ceremony a live-socket ticket is for; the current one when left out. */
export const LiveTicketInput = z
	.object({ year: z.number().int().min(2000).max(2100).optional() })
	.strict()
	.openapi("LiveTicketInput");

/** What the live socket answers to a message it does not know: a problem, as the HTTP answers carry. */
export const LiveErrorMessage = z.object({
	type: z.literal("error"),
	problem: z.object({ type: z.string(), title: z.string(), status: z.number().int(), detail: z.string() }),
});
export type LiveError = z.infer<typeof LiveErrorMessage>;

export const UNKNOWN_LIVE_MESSAGE: LiveError = {
	type: "error",
	problem: { type: "/problems/validation", title: "Unknown message", status: 400, detail: 'Send {"type":"ping"}.' },
};
