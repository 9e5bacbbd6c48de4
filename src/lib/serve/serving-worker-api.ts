// What a model's Web Worker offers, beside the ordinary worker API, when it can serve its loaded model to a
// coordinator (the Transformers.js worker does): the socket and the generations then live in the worker, so a
// tab in the background keeps serving, and the page only starts, stops and watches.
import { z } from 'zod';
import type { ServeStatus } from './browser-worker-client';

export const ServeRequestSchema = z.strictObject({
	/** As people write it: `http://host:8000`, `https://host/v1`, or the ws(s):// endpoint. */
	coordinatorUrl: z.string().trim().min(1, 'Enter the coordinator URL, like http://host:8000.'),
	/** The operator-issued join token. */
	token: z.string().trim().min(1, "Enter a join token: ask the coordinator's operator for one."),
	/** Shown to the coordinator's operators (`GET /workers`). */
	label: z.string().max(200).optional()
});
export type ServeRequest = z.infer<typeof ServeRequestSchema>;

export interface ServingWorkerApi {
	/**
	 * Serves the loaded model (stopping any earlier serving first): measures its speed, then connects and keeps
	 * reconnecting until stopServing(). Resolves with the first status once the connection is under way;
	 * every later change goes to `onStatus`. Rejects (LumenErrorData) when no model is loaded or the request is invalid.
	 */
	serve(request: ServeRequest, onStatus: (status: ServeStatus) => void): Promise<ServeStatus>;
	/** Closes the connection; served requests in progress end with an error for their clients. */
	stopServing(): Promise<void>;
}
