// Messages between native workers and the coordinator (FastChat's controller protocol, reshaped):
// a worker registers its OpenAI base URL and models, heartbeats with its queue length, and
// deregisters on shutdown. Requests carry `Authorization: Bearer <worker secret>`.
import { z } from 'zod';
import { ChatMessageSchema, type ModelList } from './openai';
import type { ServedModel } from './openai-client-chunks';

/** What a worker offers for a model; `vision`: its chat accepts `image_url` parts. */
export const WorkerCapabilitySchema = z.enum(['chat', 'completions', 'embeddings', 'vision']);
export type WorkerCapability = z.infer<typeof WorkerCapabilitySchema>;

export const WorkerModelSchema = z.object({
	id: z.string().min(1),
	context_length: z.number().int().positive().optional(),
	capabilities: z.array(WorkerCapabilitySchema).min(1).default(['chat', 'completions'])
});
export type WorkerModel = z.infer<typeof WorkerModelSchema>;

/**
 * A `/v1/models` entry as Lumen's coordinator and workers list it: OpenAI's fields plus the context window
 * and `capabilities` (e.g. `["chat", "completions", "embeddings", "vision"]`); OpenAI clients ignore both.
 */
export type ListedModel = ModelList['data'][number] & { context_length?: number; capabilities: WorkerCapability[] };

/** Capabilities in their canonical order, each once. */
export function sortCapabilities(capabilities: Iterable<WorkerCapability>): WorkerCapability[] {
	const set = new Set(capabilities);
	return WorkerCapabilitySchema.options.filter((c) => set.has(c));
}

/**
 * The models of another OpenAI-compatible server (a static upstream, or the one an openai-backend worker
 * fronts) as a worker offers them. Such a server answers for itself, so chat, completions and embeddings are
 * all offered; `vision` when the server's own metadata says so or the operator marked the model (`vision`:
 * true for all, or a list of ids).
 */
export function relayedModels(served: readonly ServedModel[], vision: boolean | readonly string[] = false): WorkerModel[] {
	const marked = (id: string) => vision === true || (Array.isArray(vision) && vision.includes(id));
	return served.map((m) => ({
		id: m.id,
		...(m.context_length ? { context_length: m.context_length } : {}),
		capabilities: ['chat', 'completions', 'embeddings', ...(m.vision || marked(m.id) ? (['vision'] as const) : [])]
	}));
}

export const WorkerRegistrationSchema = z.object({
	/** Stable id chosen by the worker (so a re-registration replaces, not duplicates). */
	worker_id: z.string().min(1).max(200),
	/** Base URL of the worker's OpenAI-compatible API, ending in `/v1`. */
	url: z.url(),
	models: z.array(WorkerModelSchema).min(1),
	/** Relative throughput (tokens/s or any consistent unit); dispatch weights by it. */
	speed: z.number().positive().default(1),
	max_concurrency: z.number().int().positive().default(1),
	queue_length: z.number().int().nonnegative().default(0),
	backend: z.string().default('unknown')
});
export type WorkerRegistration = z.infer<typeof WorkerRegistrationSchema>;
export type WorkerRegistrationInput = z.input<typeof WorkerRegistrationSchema>;

export const RegisterResponseSchema = z.object({
	worker_id: z.string(),
	heartbeat_interval_ms: z.number().int().positive(),
	expiry_ms: z.number().int().positive()
});
export type RegisterResponse = z.infer<typeof RegisterResponseSchema>;

export const HeartbeatSchema = z.object({
	worker_id: z.string().min(1),
	queue_length: z.number().int().nonnegative()
});
export type Heartbeat = z.infer<typeof HeartbeatSchema>;

/** `known: false` tells a worker the coordinator forgot it (restart or expiry): register again. */
export const HeartbeatResponseSchema = z.object({ known: z.boolean() });
export type HeartbeatResponse = z.infer<typeof HeartbeatResponseSchema>;

export const DeregisterSchema = z.object({ worker_id: z.string().min(1) });

export const WorkerStatusSchema = WorkerRegistrationSchema.extend({
	registered_at: z.number(),
	last_heartbeat_at: z.number(),
	in_flight: z.number().int().nonnegative()
});
export type WorkerStatus = z.infer<typeof WorkerStatusSchema>;

// Token counting (FastChat's worker /count_token and /model_details in one call), which the coordinator's
// /api/v1/token_check asks a worker serving the model for.
export const COUNT_TOKENS_PATH = '/count_tokens';

export const CountTokensRequestSchema = z
	.object({
		model: z.string().min(1),
		prompt: z.union([z.string(), z.array(z.string()).length(1)]).optional(),
		messages: z.array(ChatMessageSchema).min(1).optional()
	})
	.refine((r) => (r.prompt === undefined) !== (r.messages === undefined), {
		message: 'Send exactly one of "prompt" (a raw completion prompt) or "messages" (a chat, counted with its template).'
	});

export const CountTokensResponseSchema = z.object({
	model: z.string(),
	/** Prompt tokens; a lower bound when `exact` is false (a prompt too long to be worth tokenizing). */
	count: z.number().int().nonnegative(),
	exact: z.boolean(),
	context_length: z.number().int().positive().nullable()
});
export type CountTokensResponse = z.infer<typeof CountTokensResponseSchema>;

