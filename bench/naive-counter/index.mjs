// The naive baseline: one Durable Object counter that every action updates, as in Cloudflare's
// counter example (read the value, add one, write it back). Every request goes to the one object.
import { DurableObject } from "cloudflare:workers";

export class Counter extends DurableObject {
	async increment() {
		let value = (await this.ctx.storage.get("value")) || 0;
		value += 1;
		await this.ctx.storage.put("value", value);
		return value;
	}

	async value() {
		return (await this.ctx.storage.get("value")) || 0;
	}
}

export default {
	async fetch(request, env) {
		const stub = env.COUNTER.getByName("counter");
		if (request.method === "POST") return Response.json({ value: await stub.increment() });
		return Response.json({ value: await stub.value() });
	},
};
