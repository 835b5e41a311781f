import type { ContentfulStatusCode } from "hono/utils/http-status";

/** RFC 9457 problem details. `type` is a stable relative URI documented in docs/API.md. */
export interface ProblemBody {
	type: string;
	title: string;
	status: number;
	detail?: string;
	[extension: string]: unknown;
}

export const problemType = (slug: string) => `/problems/${slug}`;

/** An error that becomes an `application/problem+json` response in the app's `onError`. */
export class Problem extends Error {
	constructor(
		readonly status: ContentfulStatusCode,
		readonly slug: string,
		readonly title: string,
		readonly detail?: string,
		readonly extensions: Record<string, unknown> = {},
		readonly headers: Record<string, string> = {},
	) {
		super(detail ?? title);
	}

	get body(): ProblemBody {
		return {
			type: problemType(this.slug),
			title: this.title,
			status: this.status,
			...(this.detail ? { detail: this.detail } : {}),
			...this.extensions,
		};
	}
}

export function problemResponse(body: ProblemBody, headers: Record<string, string> = {}): Response {
	return new Response(JSON.stringify(body), {
		status: body.status,
		headers: {
			"content-type": "application/problem+json; charset=utf-8",
			"cache-control": "no-store",
			...headers,
		},
	});
}
