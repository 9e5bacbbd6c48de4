// Messages between native workers and the coordinator (FastChat's controller protocol, reshaped):
// a worker registers its OpenAI base URL and models, heartbeats with its queue length, and
// deregisters on shutdown. Requests carry `Authorization: Bearer <worker secret>`.
import { z } from 'zod';

export const WorkerCapabilitySchema = z.enum(['chat', 'completions', 'embeddings']);
export type WorkerCapability = z.infer<typeof WorkerCapabilitySchema>;

export const WorkerModelSchema = z.object({
	id: z.string().min(1),
	context_length: z.number().int().positive().optional(),
	capabilities: z.array(WorkerCapabilitySchema).min(1).default(['chat', 'completions'])
});
export type WorkerModel = z.infer<typeof WorkerModelSchema>;

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
