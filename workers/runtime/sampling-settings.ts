// What a chat or completion request asks of the sampler, with this runtime's defaults, and the list of
// request parameters the runtime honours (backends declare it so anything else is refused by name).
import type * as TF from '@huggingface/transformers';
import { maxTokensOf } from '#protocol/openai';

const SHARED = [
	'model',
	'stream',
	'stream_options',
	'user',
	'max_tokens',
	'temperature',
	'top_p',
	'top_k',
	'n',
	'stop',
	'seed',
	'presence_penalty',
	'frequency_penalty',
	'repetition_penalty',
	'logprobs'
] as const;

/**
 * Every request parameter the Transformers.js runtime reads and honours, per endpoint. A backend built
 * on it declares these; any other parameter a client sends is one this runtime would ignore.
 */
export const RUNTIME_PARAMETERS = {
	chat: [...SHARED, 'messages', 'max_completion_tokens', 'top_logprobs'],
	completions: [...SHARED, 'prompt', 'echo']
} as const satisfies Record<'chat' | 'completions', readonly string[]>;

/** The sampling fields chat and completion requests share (logprobs differ and are passed apart). */
export type SamplingRequest = {
	max_tokens?: number;
	max_completion_tokens?: number;
	temperature?: number;
	top_p?: number;
	top_k?: number;
	n?: number;
	stop?: string | string[];
	seed?: number;
	presence_penalty?: number;
	frequency_penalty?: number;
	repetition_penalty?: number;
};

export type GenerationSettings = {
	maxNewTokens: number;
	/** 0 means greedy: the most likely token after penalties, always. */
	temperature: number;
	/** 1 keeps every token. */
	topP: number;
	/** 0 keeps every token. */
	topK: number;
	/** Hugging Face's multiplicative penalty over prompt and answer; 1 is off. */
	repetitionPenalty: number;
	presencePenalty: number;
	frequencyPenalty: number;
	stops: readonly string[];
	/** Seeds this request's own generator: the same seed gives the same samples, whatever else runs. */
	seed?: number;
	/** Alternatives reported with each token's log-probability; undefined reports none. */
	logprobs?: number;
	/** Independent answers to generate. */
	n: number;
};

type ModelDefaults = { top_k?: unknown; top_p?: unknown; repetition_penalty?: unknown };

/**
 * `logprobs` is the number of alternatives to report per token (undefined: no log-probabilities).
 * top_k, top_p and repetition_penalty default to the model's generation_config, as vLLM does, so a
 * model whose authors recommend a repetition penalty gets it; OpenAI's defaults otherwise.
 */
export function settingsFrom(
	request: SamplingRequest,
	loaded: { model: TF.PreTrainedModel; defaultMaxTokens: number },
	logprobs?: number
): GenerationSettings {
	const config = ((loaded.model as unknown as { generation_config?: ModelDefaults }).generation_config ?? {}) as ModelDefaults;
	const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
	const topK = request.top_k ?? num(config.top_k) ?? 0;
	return {
		maxNewTokens: maxTokensOf(request) ?? loaded.defaultMaxTokens,
		temperature: request.temperature ?? 0.7,
		topP: request.top_p ?? num(config.top_p) ?? 1,
		// vLLM's -1 and Hugging Face's 0 both mean "every token".
		topK: topK < 0 ? 0 : topK,
		repetitionPenalty: request.repetition_penalty ?? num(config.repetition_penalty) ?? 1,
		presencePenalty: request.presence_penalty ?? 0,
		frequencyPenalty: request.frequency_penalty ?? 0,
		stops: request.stop === undefined ? [] : Array.isArray(request.stop) ? request.stop : [request.stop],
		seed: request.seed,
		logprobs,
		n: request.n ?? 1
	};
}
