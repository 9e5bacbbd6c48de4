// The WebSocket protocol between a browser tab that serves a model ("browser worker") and the coordinator.
// Every frame is one JSON text message validated by the schemas below, on both sides: the coordinator
// treats a tab as untrusted input (malformed, unsolicited, oversized or flooding → disconnected), and the
// tab checks what the coordinator sends. Versioned by BROWSER_WORKER_PROTOCOL: a bump is a breaking change.
//
// Conversation (tab → coordinator "↑", coordinator → tab "↓"):
//   ↑ hello {protocol, token, models, speed, max_concurrency, queue_length}   first message, within HELLO_TIMEOUT_MS
//   ↓ accepted {worker_id, heartbeat_interval_ms, expiry_ms, limits}          or ↓ refused {error} and the socket closes
//   ↑ status {queue_length, speed?, served?}   every heartbeat_interval_ms and whenever the queue changes; silence
//                                              for expiry_ms (or a closed socket) removes the worker at once
//   ↓ request {id, kind, body}                 an OpenAI request body for `kind` (chat | completion | embeddings)
//   ↑ chunk {id, chunk}*                       chat/completion only: OpenAI chunks in order (also for non-streamed
//                                              requests: the coordinator folds them into one JSON answer)
//   ↑ result {id, body}                        embeddings only: the whole OpenAI embeddings response
//   ↑ done {id, finish_reason?, usage?}        ends a chat/completion request that went well
//   ↑ error {id, error}                        ends any request that failed (LumenErrorData, see errors.ts)
//   ↓ cancel {id}                              the client went away: stop; the tab still ends the id with done/error
// Each request id gets exactly one ending (done, result or error). Ids are the coordinator's; the worker's id
// is assigned by the coordinator in `accepted` and is never sent by the tab, so a tab cannot claim another's.
import { z } from 'zod';
import { WorkerModelSchema } from './coordinator';
import { LumenErrorDataSchema } from './errors';
import { EmbeddingResponseSchema } from './embeddings';
import { ChatCompletionChunkSchema, CompletionChunkSchema, FinishReasonSchema, UsageSchema } from './openai';

export const BROWSER_WORKER_PROTOCOL = 1;

/** The coordinator's WebSocket endpoint for browser workers (same host and port as the OpenAI API). */
export const BROWSER_WORKER_PATH = '/workers/browser';

/** A tab that has not said hello by then is disconnected. */
export const HELLO_TIMEOUT_MS = 10_000;

/** Close codes (4000–4999 are the application's): the tab reads them to decide whether to reconnect. */
export const CloseCodes = {
	/** Stopped on purpose (the tab's Stop, or the coordinator shutting down). */
	normal: 1000,
	/** Join token missing or wrong, or browser workers are not enabled: do not retry with the same token. */
	refused: 4001,
	/** The other side broke the protocol (malformed, unsolicited, oversized); a fresh connection may retry. */
	protocolError: 4002,
	/** Too many messages or bytes per second. */
	flooding: 4003,
	/** No status within expiry_ms. */
	heartbeatMissed: 4004,
	/** The protocol versions differ: reload the page. */
	versionMismatch: 4005
} as const;

/** Limits the coordinator enforces on what a tab sends (told to the tab in `accepted`). */
export const BrowserWorkerLimitsSchema = z.strictObject({
	/** Largest frame, in bytes; a larger one closes the socket. */
	max_message_bytes: z.number().int().positive(),
	/** Sustained messages per second (bursts of twice as many are allowed). */
	max_messages_per_second: z.number().positive(),
	/** Sustained bytes per second over all frames (bursts of twice as many): four of the largest frames. */
	max_bytes_per_second: z.number().positive()
});
export type BrowserWorkerLimits = z.infer<typeof BrowserWorkerLimitsSchema>;

export const DEFAULT_BROWSER_WORKER_LIMITS: BrowserWorkerLimits = {
	max_message_bytes: 4 * 1024 * 1024,
	max_messages_per_second: 2_000,
	max_bytes_per_second: 16 * 1024 * 1024
};

export const RequestKindSchema = z.enum(['chat', 'completion', 'embeddings']);
export type RequestKind = z.infer<typeof RequestKindSchema>;

/** Coordinator-made request ids: short, so a tab can echo them back cheaply. */
const RequestIdSchema = z.string().min(1).max(64);
const QueueLengthSchema = z.number().int().nonnegative().max(100_000);
const SpeedSchema = z.number().positive().max(1_000_000);

// ---- tab → coordinator ----

export const HelloSchema = z.strictObject({
	type: z.literal('hello'),
	protocol: z.number().int(),
	/** An operator-issued join token (`LUMEN_JOIN_TOKENS`); never the worker secret or an API key. */
	token: z.string().min(1).max(512),
	models: z.array(WorkerModelSchema).min(1).max(8),
	/** Measured decode speed in tokens/s: dispatch weighs by it. */
	speed: SpeedSchema,
	/** How many requests the tab runs at once (the rest wait in its queue). */
	max_concurrency: z.number().int().min(1).max(16).default(1),
	queue_length: QueueLengthSchema.default(0),
	/** Shown to operators in `GET /workers` (e.g. "Chrome 131, WASM"). */
	label: z.string().max(200).optional()
});
export type Hello = z.infer<typeof HelloSchema>;
export type HelloInput = z.input<typeof HelloSchema>;

export const StatusSchema = z.strictObject({
	type: z.literal('status'),
	/** Everything admitted and not finished in the tab: served requests and the person's own. */
	queue_length: QueueLengthSchema,
	/** Tokens/s measured over recent generations; replaces the speed given in hello. */
	speed: SpeedSchema.optional(),
	/** Requests served since the page started serving (for operators). */
	served: z.number().int().nonnegative().optional()
});
export type Status = z.infer<typeof StatusSchema>;

/** OpenAI's legacy `logprobs` of a text completion choice (integer `logprobs` in the request). */
export const LegacyLogprobsSchema = z.object({
	tokens: z.array(z.string()),
	token_logprobs: z.array(z.number().nullable()),
	top_logprobs: z.array(z.record(z.string(), z.number()).nullable()),
	text_offset: z.array(z.number().int())
});

/** A text_completion chunk as the runtime makes it: choices may carry legacy log-probabilities. */
export const TextCompletionChunkSchema = CompletionChunkSchema.extend({
	choices: z.array(CompletionChunkSchema.shape.choices.element.extend({ logprobs: LegacyLogprobsSchema.nullish() }))
});

export const ChunkMessageSchema = z.strictObject({
	type: z.literal('chunk'),
	id: RequestIdSchema,
	/** A chat.completion.chunk for `chat`, a text_completion chunk for `completion` (checked against the request's kind). */
	chunk: z.union([ChatCompletionChunkSchema, TextCompletionChunkSchema])
});
export type ChunkMessage = z.infer<typeof ChunkMessageSchema>;

export const ResultMessageSchema = z.strictObject({
	type: z.literal('result'),
	id: RequestIdSchema,
	body: EmbeddingResponseSchema
});
export type ResultMessage = z.infer<typeof ResultMessageSchema>;

export const DoneMessageSchema = z.strictObject({
	type: z.literal('done'),
	id: RequestIdSchema,
	finish_reason: FinishReasonSchema.optional(),
	usage: UsageSchema.optional()
});
export type DoneMessage = z.infer<typeof DoneMessageSchema>;

export const ErrorMessageSchema = z.strictObject({
	type: z.literal('error'),
	id: RequestIdSchema,
	error: LumenErrorDataSchema
});
export type ErrorMessage = z.infer<typeof ErrorMessageSchema>;

export const TabMessageSchema = z.discriminatedUnion('type', [
	HelloSchema,
	StatusSchema,
	ChunkMessageSchema,
	ResultMessageSchema,
	DoneMessageSchema,
	ErrorMessageSchema
]);
export type TabMessage = z.infer<typeof TabMessageSchema>;
/** What a tab may write: defaults of the schemas may be left out. */
export type TabMessageInput = z.input<typeof TabMessageSchema>;

// ---- coordinator → tab ----

export const AcceptedSchema = z.strictObject({
	type: z.literal('accepted'),
	protocol: z.number().int(),
	/** Assigned by the coordinator; shown in `GET /workers`. */
	worker_id: z.string().min(1),
	/** Send a status at least this often. */
	heartbeat_interval_ms: z.number().int().positive(),
	/** Silence longer than this removes the worker. */
	expiry_ms: z.number().int().positive(),
	limits: BrowserWorkerLimitsSchema
});
export type Accepted = z.infer<typeof AcceptedSchema>;

export const RefusedSchema = z.strictObject({
	type: z.literal('refused'),
	error: LumenErrorDataSchema,
	/** The coordinator's protocol version, so a stale page can say "reload". */
	protocol: z.number().int()
});
export type Refused = z.infer<typeof RefusedSchema>;

export const RequestMessageSchema = z.strictObject({
	type: z.literal('request'),
	id: RequestIdSchema,
	kind: RequestKindSchema,
	/**
	 * The client's OpenAI body, already validated by the coordinator against the endpoint's schema
	 * (the tab validates it again before running it). `stream` says whether the client streams; the tab
	 * sends chunks either way.
	 */
	body: z.record(z.string(), z.unknown())
});
export type RequestMessage = z.infer<typeof RequestMessageSchema>;

export const CancelSchema = z.strictObject({ type: z.literal('cancel'), id: RequestIdSchema });
export type Cancel = z.infer<typeof CancelSchema>;

export const CoordinatorMessageSchema = z.discriminatedUnion('type', [AcceptedSchema, RefusedSchema, RequestMessageSchema, CancelSchema]);
export type CoordinatorMessage = z.infer<typeof CoordinatorMessageSchema>;

/** What went wrong with a frame, in one line (for a log or a close reason, which WebSocket caps at 123 bytes). */
export function describeIssue(error: z.ZodError): string {
	const issue = error.issues[0];
	if (!issue) return 'invalid message';
	const path = issue.path.join('.');
	return `${path ? `${path}: ` : ''}${issue.message}`;
}

/** Parses one text frame; a frame that is not JSON or not a valid message gives the reason instead. */
export function parseFrame<S extends z.ZodType>(schema: S, text: string): { ok: true; message: z.infer<S> } | { ok: false; reason: string } {
	let json: unknown;
	try {
		json = JSON.parse(text);
	} catch {
		return { ok: false, reason: 'the frame is not JSON' };
	}
	const parsed = schema.safeParse(json);
	return parsed.success ? { ok: true, message: parsed.data } : { ok: false, reason: describeIssue(parsed.error) };
}

/** A WebSocket close reason fits in 123 bytes of UTF-8. */
export function closeReason(text: string): string {
	let out = text.length > 123 ? `${text.slice(0, 122)}…` : text;
	while (new TextEncoder().encode(out).length > 123) out = out.slice(0, -2) + '…';
	return out;
}
