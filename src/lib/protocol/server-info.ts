// `GET /api/info`: how a page learns that the server it was loaded from is a Lumen coordinator, whose
// OpenAI API (`/v1`) it may then use without setup. Answered only where the coordinator serves the web app.
import { z } from 'zod';

export const ServerInfoSchema = z.object({
	/** The marker: only a Lumen coordinator answers this. */
	server: z.literal('lumen-coordinator'),
	/** The OpenAI API's path on the same origin. */
	api: z.string().startsWith('/')
});
export type ServerInfo = z.infer<typeof ServerInfoSchema>;

export const SERVER_INFO: ServerInfo = { server: 'lumen-coordinator', api: '/v1' };
