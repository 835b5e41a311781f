import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "./app-env";
import { validationHook } from "./validation";

/** A sub-app whose validation failures become problem+json. */
export const subApp = () => new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
