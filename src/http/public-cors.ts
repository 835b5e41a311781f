import { cors } from "hono/cors";

const EXPOSED = ["ETag", "Retry-After"];

/** Any site may read the public figures, with a media key too; answers carry no cookies. */
export const publicCors = cors({
	origin: "*",
	allowMethods: ["GET", "HEAD", "OPTIONS"],
	allowHeaders: ["X-API-Key", "If-None-Match", "Accept"],
	exposeHeaders: EXPOSED,
	maxAge: 86_400,
});
