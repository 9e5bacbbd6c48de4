// The contract every native-worker backend implements: OpenAI chunks in, OpenAI chunks out.
// Backend-specific types (Transformers.js tensors, an upstream's quirks) never leave an adapter.
import type { WorkerModel } from '#protocol/coordinator';
import type {
	ChatCompletionChunk,
	ChatCompletionRequest,
	CompletionChunk,
	CompletionRequest,
	EmbeddingRequest
} from '#protocol/openai';
import type { EmbeddingResponse } from '#protocol/embeddings';
import type { PromptInput } from '../runtime/context-window';

export const BackendKinds = ['onnx', 'openai'] as const;
export type BackendKind = (typeof BackendKinds)[number];

export { EmbeddingResponseSchema, type EmbeddingResponse } from '#protocol/embeddings';

/** The three generation APIs a worker serves; each has its own request parameters. */
export type ApiEndpoint = 'chat' | 'completions' | 'embeddings';

/** Neither honoured nor needed: a value that asks for what the backend does anyway (`n: 1`, `logprobs: false`, …). */
type Neutral = (value: unknown, body: Record<string, unknown>) => boolean;
const never: Neutral = () => false;
const equals =
	(...values: unknown[]): Neutral =>
	(v) =>
		values.includes(v);
const empty: Neutral = (v) => (Array.isArray(v) ? v.length === 0 : typeof v === 'object' && v !== null && Object.keys(v).length === 0);

/** Sampling parameters chat and text completions share, each with the values that change nothing. */
const SAMPLING = {
	temperature: never,
	top_p: never,
	max_tokens: never,
	stop: never,
	seed: never,
	n: equals(1),
	top_k: equals(0, -1),
	repetition_penalty: equals(1),
	presence_penalty: equals(0),
	frequency_penalty: equals(0),
	logit_bias: empty
} satisfies Record<string, Neutral>;

/**
 * Every request parameter a backend may or may not honour, per endpoint, with the values that ask for
 * nothing. A backend declares the ones it honours in `Backend.supports`; the worker's HTTP layer refuses
 * any other with a 400 naming it (unless its value is neutral), so nothing is silently ignored.
 */
export const OPTIONAL_PARAMETERS = {
	chat: {
		...SAMPLING,
		/** OpenAI's newer name for max_tokens (the HTTP layer hands it to local backends as max_tokens). */
		max_completion_tokens: never,
		logprobs: equals(false),
		top_logprobs: equals(0),
		tools: empty,
		tool_choice: equals('none', 'auto'),
		// Only says whether several calls may come at once: meaningless without tools.
		parallel_tool_calls: (v, body) => v === true || !Array.isArray(body.tools) || body.tools.length === 0,
		response_format: (v) => (v as { type?: unknown }).type === 'text'
	},
	completions: {
		...SAMPLING,
		logprobs: equals(null),
		echo: equals(false),
		best_of: equals(1),
		suffix: equals(null, '')
	},
	embeddings: {
		encoding_format: equals('float'),
		dimensions: never
	}
} satisfies Record<ApiEndpoint, Record<string, Neutral>>;

/** Fields every backend handles: what to answer, how to deliver it, and client bookkeeping that changes no output. */
export const BASIC_FIELDS: Record<ApiEndpoint, readonly string[]> = {
	chat: ['model', 'messages', 'stream', 'stream_options', 'user', 'store', 'metadata'],
	completions: ['model', 'prompt', 'stream', 'stream_options', 'user'],
	embeddings: ['model', 'input', 'user']
};

/**
 * The optional parameters a backend honours, per endpoint. To support a new one, implement it and add its
 * name here: the HTTP layer stops refusing it. A parameter missing from OPTIONAL_PARAMETERS is unknown
 * and refused by every local backend.
 */
export type SupportedParameters = { [E in ApiEndpoint]: ReadonlySet<keyof (typeof OPTIONAL_PARAMETERS)[E]> };

/** What to count: the messages of a chat (chat template included) or a raw completion prompt. */
export type TokenCountInput = { model: string } & PromptInput;

/**
 * A prompt's size in the model's tokens. `exact: false`: the prompt was too long to be worth tokenizing
 * and `count` is a lower bound that already exceeds the context. `context_length` is null when unknown.
 */
export type TokenCount = { count: number; exact: boolean; context_length: number | null };

export interface Backend {
	readonly kind: BackendKind;
	/** What the worker registers and lists on /v1/models. */
	readonly models: WorkerModel[];
	/** The optional request parameters this backend honours; absent means none. Ignored when it relays. */
	readonly supports?: SupportedParameters;
	/**
	 * Backends fronting another OpenAI-compatible server: sends the client's request body unchanged (every
	 * field, image parts, tools, whatever that server understands) and returns its answer as is, stream or
	 * JSON; an error answer is already OpenAI-shaped. The HTTP layer then neither checks parameters nor
	 * calls chat/complete/embed. Rejects only when the server cannot be reached or refused our credentials.
	 */
	relay?(endpoint: ApiEndpoint, body: unknown, signal: AbortSignal): Promise<Response>;
	/** Relative throughput reported to the coordinator (tokens/s where measured). */
	readonly speed: number;
	/** A sensible max_concurrency when the operator names none. */
	readonly defaultConcurrency: number;
	/**
	 * Streams a chat answer. The last chunk carries finish_reason; usage may ride on it or on a
	 * later chunk with no choices (the HTTP layer reshapes both to what the client asked for).
	 */
	chat(request: ChatCompletionRequest, signal: AbortSignal): AsyncIterable<ChatCompletionChunk>;
	complete(request: CompletionRequest, signal: AbortSignal): AsyncIterable<CompletionChunk>;
	/**
	 * Counts prompt tokens with the model's own tokenizer. The HTTP layer calls it at admission, before
	 * the queue, with the very request object it then passes to chat/complete (so a backend may keep the
	 * token ids for it). Absent when the backend has no tokenizer (an upstream counts for itself).
	 */
	countTokens?(input: TokenCountInput): Promise<TokenCount>;
	/** Absent when the backend offers no embeddings. */
	embed?(request: EmbeddingRequest, signal: AbortSignal): Promise<EmbeddingResponse>;
	close(): Promise<void>;
}
