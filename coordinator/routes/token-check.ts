// POST /api/v1/token_check, as FastChat's openai_api_server answers it: does each prompt plus its
// max_tokens fit its model's context? A worker serving the model counts with the model's own tokenizer.
// `max_tokens` defaults to 1 (a prompt fits when at least one token can follow, as generation requires).
// A prompt so long that the worker refused to tokenize it gets a lower bound as tokenCount (and fits: false).
import { Hono } from 'hono';
import { z } from 'zod';
import { OpenAIErrorBodySchema } from '#protocol/openai-errors';
import { COUNT_TOKENS_PATH, CountTokensResponseSchema, type CountTokensResponse } from '#protocol/coordinator';
import type { CoordinatorConfig } from '../config';
import { cors } from '../cors';
import type { AppEnv } from '../env';
import { ApiError, badRequest, fromZodError, modelNotFound, noWorker, type ErrorType } from '../errors';
import { identify, rateLimit, requireApiKey } from '../middleware';
import type { Registry, WorkerEntry } from '../registry/registry';
import { readJson } from './read-json';

export const TokenCheckRequestSchema = z.object({
	prompts: z
		.array(z.object({ model: z.string().min(1), prompt: z.string(), max_tokens: z.number().int().nonnegative().default(1) }))
		.min(1)
		.max(256)
});

export type TokenCheckResponse = { prompts: { fits: boolean; tokenCount: number; contextLength: number }[] };

/** Counting is quick; a worker that takes longer than this is stuck, and another may answer. */
const COUNT_TIMEOUT_MS = 10_000;

export type TokenCheckDeps = { config: CoordinatorConfig; registry: Registry; clock?: () => number };

export function tokenCheckRoutes({ config, registry, clock }: TokenCheckDeps) {
	const app = new Hono<AppEnv>();
	app.use('/api/v1/*', cors(config.cors_origins), identify(config.api_keys, config.trust_proxy), requireApiKey(config.api_keys), rateLimit(config.rate_limit_per_minute, clock));

	app.post('/api/v1/token_check', async (c) => {
		const parsed = TokenCheckRequestSchema.safeParse(await readJson(c, config.body_limit_bytes));
		if (!parsed.success) throw fromZodError(parsed.error);
		const prompts: TokenCheckResponse['prompts'] = [];
		// One at a time, as FastChat does: a batch must not occupy every worker at once.
		for (const item of parsed.data.prompts) {
			const counted = await countOn(registry, item.model, item.prompt, config.worker_secret);
			if (counted.context_length === null)
				throw badRequest(`The context length of '${item.model}' is unknown (its config names none), so token_check cannot tell whether a prompt fits.`);
			prompts.push({ fits: counted.count + item.max_tokens <= counted.context_length, tokenCount: counted.count, contextLength: counted.context_length });
		}
		return c.json({ prompts } satisfies TokenCheckResponse);
	});
	return app;
}

/** Asks the workers serving `model` in turn until one counts; upstreams have no tokenizer here. */
async function countOn(registry: Registry, model: string, prompt: string, secret: string | undefined): Promise<CountTokensResponse> {
	let found = registry.lookup(model, 'completions');
	if (found.kind === 'unsupported') found = registry.lookup(model, 'chat');
	if (found.kind === 'unknown') throw modelNotFound(model);
	if (found.kind !== 'ok') throw noWorker(model);
	const workers = found.candidates.filter((w) => w.kind === 'registered').sort((a, b) => Number(b.backend === 'onnx') - Number(a.backend === 'onnx'));
	if (workers.length === 0)
		throw badRequest(
			`'${model}' is served only by OpenAI-compatible upstreams or browser tabs, which cannot count tokens for the coordinator. token_check needs a Lumen onnx worker serving it.`,
			'prompts',
			'unsupported_endpoint'
		);
	let refusal: ApiError | null = null;
	for (const worker of workers) {
		const answer = await askWorker(worker, model, prompt, secret);
		if (!(answer instanceof ApiError)) return answer;
		refusal = answer.status < 500 ? answer : (refusal ?? answer);
	}
	throw refusal && refusal.status < 500 ? refusal : noWorker(model);
}

/** The worker's count, or its refusal as the error to relay (a 4xx says why, e.g. no tokenizer). */
async function askWorker(worker: WorkerEntry, model: string, prompt: string, secret: string | undefined): Promise<CountTokensResponse | ApiError> {
	try {
		const res = await fetch(`${worker.url}${COUNT_TOKENS_PATH}`, {
			method: 'POST',
			headers: { 'content-type': 'application/json', ...(secret ? { authorization: `Bearer ${secret}` } : {}) },
			body: JSON.stringify({ model, prompt }),
			signal: AbortSignal.timeout(COUNT_TIMEOUT_MS)
		});
		const body: unknown = await res.json().catch(() => null);
		if (res.ok) {
			const counted = CountTokensResponseSchema.safeParse(body);
			if (counted.success) return counted.data;
			return noWorker(model);
		}
		const error = OpenAIErrorBodySchema.safeParse(body);
		if (res.status >= 500 || !error.success) return noWorker(model);
		const { message, type, code } = error.data.error;
		// No such route: a worker of another kind or an older version, not a problem with the request.
		if (res.status === 404 && code !== 'model_not_found')
			return badRequest(
				`The worker serving '${model}' (${worker.backend} backend) cannot count tokens: it has no ${COUNT_TOKENS_PATH}. token_check needs a Lumen onnx worker serving it.`,
				'prompts',
				'unsupported_endpoint'
			);
		return new ApiError(res.status, (type ?? 'invalid_request_error') as ErrorType, String(code ?? 'invalid_request'), message);
	} catch {
		return noWorker(model);
	}
}
