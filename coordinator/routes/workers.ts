// FastChat's controller endpoints: workers register, heartbeat and deregister with the worker
// secret; operators list workers (with an API key when keys are configured).
import { Hono, type Context } from 'hono';
import type { z } from 'zod';
import {
	DeregisterSchema,
	HeartbeatSchema,
	WorkerRegistrationSchema,
	type HeartbeatResponse,
	type RegisterResponse
} from '#protocol/coordinator';
import type { CoordinatorConfig } from '../config';
import { ApiError, badRequest, fromZodError } from '../errors';
import type { AppEnv } from '../env';
import { requireApiKey, requireWorkerSecret } from '../middleware';
import type { Registry } from '../registry/registry';
import { readJson } from './read-json';

async function parseBody<T extends z.ZodType>(c: Context, schema: T, limit: number): Promise<z.infer<T>> {
	const result = schema.safeParse(await readJson(c, limit));
	if (!result.success) throw fromZodError(result.error);
	return result.data;
}

export function workerRoutes(config: CoordinatorConfig, registry: Registry, log: (line: string) => void) {
	const app = new Hono<AppEnv>();
	const secret = requireWorkerSecret(config.worker_secret);
	const isBrowser = (id: string) => registry.get(id)?.kind === 'browser';

	app.post('/workers/register', secret, async (c) => {
		const reg = await parseBody(c, WorkerRegistrationSchema, config.body_limit_bytes);
		// The coordinator will send users' requests there: only a web address makes sense.
		if (!/^https?:$/.test(new URL(reg.url).protocol))
			throw badRequest(`Invalid 'url': a worker's URL must be http:// or https:// (its OpenAI base URL ending in /v1), not ${new URL(reg.url).protocol}.`, 'url');
		// A tab's entry belongs to its socket: no HTTP call may replace, beat for or remove it.
		if (isBrowser(reg.worker_id))
			throw new ApiError(409, 'invalid_request_error', 'worker_id_taken', `The worker id '${reg.worker_id}' belongs to a browser worker. Choose another id.`, 'worker_id');
		registry.register(reg);
		log(`worker ${reg.worker_id} registered: ${reg.models.map((m) => m.id).join(', ')} at ${reg.url}`);
		return c.json({
			worker_id: reg.worker_id,
			heartbeat_interval_ms: config.heartbeat_interval_ms,
			expiry_ms: config.heartbeat_expiry_ms
		} satisfies RegisterResponse);
	});

	app.post('/workers/heartbeat', secret, async (c) => {
		const beat = await parseBody(c, HeartbeatSchema, config.body_limit_bytes);
		const known = !isBrowser(beat.worker_id) && registry.heartbeat(beat.worker_id, beat.queue_length);
		return c.json({ known } satisfies HeartbeatResponse);
	});

	app.post('/workers/deregister', secret, async (c) => {
		const { worker_id } = await parseBody(c, DeregisterSchema, config.body_limit_bytes);
		const known = !isBrowser(worker_id) && registry.deregister(worker_id);
		if (known) log(`worker ${worker_id} deregistered`);
		return c.json({ known });
	});

	app.get('/workers', requireApiKey(config.api_keys), (c) => c.json({ workers: registry.list() }));

	return app;
}
