import type { NamedHolder } from "../auth/named-tokens";

export type AppEnv = {
	Bindings: Env;
	Variables: { participantId: string; member: NamedHolder };
};
