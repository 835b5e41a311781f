import type { CommitteeMember } from "../auth/committee";

export type AppEnv = {
	Bindings: Env;
	Variables: { participantId: string; member: CommitteeMember };
};
