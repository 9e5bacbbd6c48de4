// Reads streamed chunks and model lists from any OpenAI-compatible server as leniently as the OpenAI
// spec allows (vLLM, llama.cpp, TGI, Ollama each differ), and normalises them into the app's types.
import { z } from 'zod';
import { LumenError } from './errors';
import type { ChatCompletionChunk, CompletionChunk, FinishReason, Usage } from './openai';

const KNOWN: Record<string, FinishReason> = {
	stop: 'stop',
	length: 'length',
	tool_calls: 'tool_calls',
	function_call: 'tool_calls',
	content_filter: 'content_filter',
	abort: 'abort',
	error: 'error'
};

/** Any server's finish reason in the app's terms; an unknown one (TGI's `eos_token`, …) still means the model stopped. */
export function finishReasonOf(raw: string | null | undefined): FinishReason {
	if (raw == null) return null;
	return KNOWN[raw] ?? 'stop';
}

const finish = z.string().nullish().catch(null).transform(finishReasonOf);

// Some servers omit total_tokens; a malformed usage is dropped rather than failing the whole answer.
const LooseUsageSchema = z
	.object({ prompt_tokens: z.number().int().nonnegative(), completion_tokens: z.number().int().nonnegative(), total_tokens: z.number().int().optional() })
	.transform((u): Usage => ({ prompt_tokens: u.prompt_tokens, completion_tokens: u.completion_tokens, total_tokens: u.total_tokens ?? u.prompt_tokens + u.completion_tokens }))
	.nullish()
	.catch(null);

const head = {
	id: z.string().catch('chatcmpl'),
	created: z.number().catch(() => Date.now() / 1000),
	model: z.string().optional().catch(undefined),
	usage: LooseUsageSchema
};

const LooseChatChunkSchema = z.object({
	...head,
	choices: z
		.array(
			z.object({
				index: z.number().int().catch(0),
				delta: z.object({ role: z.string().nullish().catch(null), content: z.string().nullish().catch(null) }).nullish(),
				finish_reason: finish
			})
		)
		.nullish()
});

const LooseCompletionChunkSchema = z.object({
	...head,
	choices: z.array(z.object({ index: z.number().int().catch(0), text: z.string().nullish().catch(null), finish_reason: finish })).nullish()
});

function notAChunk(kind: string, raw: unknown): LumenError {
	const shown = JSON.stringify(raw)?.slice(0, 120) ?? String(raw);
	return new LumenError('internal', `The server sent an event that is not an OpenAI ${kind} chunk: ${shown}`, false);
}

/**
 * One streamed chat chunk in the app's shape. `content: null`, a missing `delta`, absent or null `usage`,
 * unknown fields (tool_calls, logprobs, …) and any finish reason are fine; an event with neither
 * `choices` nor `usage` is not a chunk and is refused.
 */
export function normalizeChatChunk(raw: unknown, fallbackModel: string): ChatCompletionChunk {
	const parsed = LooseChatChunkSchema.safeParse(raw);
	if (!parsed.success || (!parsed.data.choices && !parsed.data.usage)) throw notAChunk('chat-completion', raw);
	const c = parsed.data;
	return {
		id: c.id,
		object: 'chat.completion.chunk',
		created: Math.floor(c.created),
		model: c.model || fallbackModel,
		choices: (c.choices ?? []).map((ch) => ({
			index: ch.index,
			delta: {
				...(ch.delta?.role === 'assistant' ? { role: 'assistant' as const } : {}),
				...(ch.delta?.content != null ? { content: ch.delta.content } : {})
			},
			finish_reason: ch.finish_reason
		})),
		...(c.usage ? { usage: c.usage } : {})
	};
}

/** One streamed text-completion chunk in the app's shape, read as leniently as a chat chunk. */
export function normalizeCompletionChunk(raw: unknown, fallbackModel: string): CompletionChunk {
	const parsed = LooseCompletionChunkSchema.safeParse(raw);
	if (!parsed.success || (!parsed.data.choices && !parsed.data.usage)) throw notAChunk('text-completion', raw);
	const c = parsed.data;
	return {
		id: c.id,
		object: 'text_completion',
		created: Math.floor(c.created),
		model: c.model || fallbackModel,
		choices: (c.choices ?? []).map((ch) => ({ index: ch.index, text: ch.text ?? '', finish_reason: ch.finish_reason })),
		...(c.usage ? { usage: c.usage } : {})
	};
}

/**
 * A model a server lists, with its context window when the server says (vLLM, llama.cpp, others), and
 * `vision: true` when it says the model reads images (Lumen's `capabilities: ["vision"]`, llama.cpp's
 * `"multimodal"`, OpenRouter's `architecture.input_modalities: ["image"]`, or a `modalities` list).
 */
export type ServedModel = { id: string; context_length?: number; vision?: true };

const contextField = z.number().int().positive().nullish().catch(null);
/** A list of names; anything else (absent, malformed) reads as no list. */
const names = z
	.array(z.unknown())
	.transform((a) => a.filter((x): x is string => typeof x === 'string').map((x) => x.toLowerCase()))
	.optional()
	.catch(undefined);
export const LooseModelListSchema = z.object({
	data: z.array(
		z.object({
			id: z.string().min(1),
			max_model_len: contextField,
			context_length: contextField,
			context_window: contextField,
			capabilities: names,
			modalities: names,
			input_modalities: names,
			architecture: z.object({ input_modalities: names }).optional().catch(undefined)
		})
	),
	// llama.cpp lists its models a second time here, in Ollama's shape, with their capabilities.
	models: z
		.array(z.object({ name: z.string().optional().catch(undefined), model: z.string().optional().catch(undefined), capabilities: names }))
		.optional()
		.catch(undefined)
});

const readsImages = (capabilities: string[] = [], modalities: string[] = []) =>
	capabilities.includes('vision') || capabilities.includes('multimodal') || modalities.includes('image');

export function servedModels(list: z.infer<typeof LooseModelListSchema>): ServedModel[] {
	return list.data.map((m) => {
		const context = m.max_model_len ?? m.context_length ?? m.context_window;
		const also = list.models?.find((o) => o.model === m.id || o.name === m.id);
		const vision =
			readsImages(m.capabilities, [...(m.modalities ?? []), ...(m.input_modalities ?? []), ...(m.architecture?.input_modalities ?? [])]) ||
			readsImages(also?.capabilities);
		return { id: m.id, ...(context ? { context_length: context } : {}), ...(vision ? { vision: true as const } : {}) };
	});
}
