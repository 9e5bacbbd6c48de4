// The Hono environment every coordinator route shares: Node bindings (streams are written to the
// socket directly) and the per-request values the middleware sets.
import type { HttpBindings } from '@hono/node-server';

/** What a generation route tells the request log about itself (never message content). */
export type LogDraft = { endpoint: string; model: string | null; params: Record<string, unknown>; stream: boolean };

export type AppEnv = {
	Bindings: HttpBindings;
	Variables: {
		/** `key:<api key>` or `ip:<address>`; hashed before it is stored. */
		clientId: string;
		/** The client's network address (see client-address.ts), set with clientId. */
		clientAddress: string;
		started: number;
		createdAt: number;
		draft?: LogDraft;
		/** The route writes its own log row once the answer has been relayed. */
		deferred?: boolean;
		/** CORS headers for this request's response (a stream writes them itself). */
		cors?: Record<string, string>;
	};
};
