import type { Hook } from "@hono/zod-openapi";
import type { AppEnv } from "./app-env";
import { Problem } from "./problem";

interface Issue {
	path: PropertyKey[];
	message: string;
}

export const validationProblem = (issues: readonly Issue[], where: string) =>
	new Problem(400, "validation", "The request is not valid", `Check the ${where}.`, {
		errors: issues.map((issue) => ({
			path: issue.path.map(String).join(".") || "(root)",
			message: issue.message,
		})),
	});

/** Every route's validation failure becomes a 400 problem that lists the fields. */
// biome-ignore lint/suspicious/noExplicitAny: the hook is shared by routes of every input type
export const validationHook: Hook<any, AppEnv, any, any> = (result, _c) => {
	if (!result.success) {
		const where = result.target === "json" ? "body" : result.target === "param" ? "path" : result.target;
		throw validationProblem(result.error.issues, where);
	}
};
