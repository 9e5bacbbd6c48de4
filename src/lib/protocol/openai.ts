// OpenAI chat-completion wire types: the one format every token source speaks.
// Pure zod + TypeScript: imported by pages, browser workers, native workers and the coordinator.
import { z } from 'zod';

export const RoleSchema = z.enum(['system', 'user', 'assistant']);
export type Role = z.infer<typeof RoleSchema>;

export const ChatMessageSchema = z.object({
	role: RoleSchema,
	content: z.string()
});
export type ChatMessage = z.infer<typeof ChatMessageSchema>;

export const ChatCompletionRequestSchema = z.object({
	model: z.string().min(1),
	messages: z.array(ChatMessageSchema).min(1),
	temperature: z.number().min(0).max(2).optional(),
	top_p: z.number().gt(0).max(1).optional(),
	max_tokens: z.number().int().positive().optional(),
	stop: z.union([z.string(), z.array(z.string()).max(4)]).optional(),
	n: z.literal(1).optional(),
	seed: z.number().int().optional(),
	presence_penalty: z.number().min(-2).max(2).optional(),
	frequency_penalty: z.number().min(-2).max(2).optional(),
	stream: z.boolean().optional(),
	stream_options: z.object({ include_usage: z.boolean().optional() }).optional(),
	user: z.string().optional()
});
export type ChatCompletionRequest = z.infer<typeof ChatCompletionRequestSchema>;

/**
 * Why an answer ended: OpenAI's reasons (`tool_calls` also stands for the older `function_call`), plus
 * ours: `abort` (the client stopped it) and `error` (it failed part-way).
 */
export const FinishReasonSchema = z.enum(['stop', 'length', 'tool_calls', 'content_filter', 'abort', 'error']).nullable();
export type FinishReason = z.infer<typeof FinishReasonSchema>;

export const UsageSchema = z.object({
	prompt_tokens: z.number().int(),
	completion_tokens: z.number().int(),
	total_tokens: z.number().int()
});
export type Usage = z.infer<typeof UsageSchema>;

export const ChatCompletionChunkSchema = z.object({
	id: z.string(),
	object: z.literal('chat.completion.chunk'),
	created: z.number().int(),
	model: z.string(),
	choices: z.array(
		z.object({
			index: z.number().int(),
			delta: z.object({ role: RoleSchema.optional(), content: z.string().optional() }),
			finish_reason: FinishReasonSchema
		})
	),
	usage: UsageSchema.nullable().optional()
});
export type ChatCompletionChunk = z.infer<typeof ChatCompletionChunkSchema>;

export const ChatCompletionSchema = z.object({
	id: z.string(),
	object: z.literal('chat.completion'),
	created: z.number().int(),
	model: z.string(),
	choices: z.array(
		z.object({ index: z.number().int(), message: ChatMessageSchema, finish_reason: FinishReasonSchema })
	),
	usage: UsageSchema.optional()
});
export type ChatCompletion = z.infer<typeof ChatCompletionSchema>;

/** Builds one streamed chunk; `content` and `finish` are optional so one helper serves every step. */
export function makeChunk(
	id: string,
	model: string,
	delta: { role?: Role; content?: string },
	finish: FinishReason = null,
	usage?: Usage
): ChatCompletionChunk {
	return {
		id,
		object: 'chat.completion.chunk',
		created: Math.floor(Date.now() / 1000),
		model,
		choices: [{ index: 0, delta, finish_reason: finish }],
		...(usage ? { usage } : {})
	};
}

/** Folds a stream of chunks into the final text, finish reason and usage. */
export async function collectChunks(
	chunks: AsyncIterable<ChatCompletionChunk>
): Promise<{ text: string; finish: FinishReason; usage?: Usage }> {
	let text = '';
	let finish: FinishReason = null;
	let usage: Usage | undefined;
	for await (const chunk of chunks) {
		for (const choice of chunk.choices) {
			text += choice.delta.content ?? '';
			finish = choice.finish_reason ?? finish;
		}
		if (chunk.usage) usage = chunk.usage;
	}
	return { text, finish, usage };
}

export const CompletionRequestSchema = z.object({
	model: z.string().min(1),
	prompt: z.union([z.string(), z.array(z.string()).length(1)]),
	temperature: ChatCompletionRequestSchema.shape.temperature,
	top_p: ChatCompletionRequestSchema.shape.top_p,
	max_tokens: ChatCompletionRequestSchema.shape.max_tokens,
	stop: ChatCompletionRequestSchema.shape.stop,
	n: z.literal(1).optional(),
	seed: z.number().int().optional(),
	presence_penalty: ChatCompletionRequestSchema.shape.presence_penalty,
	frequency_penalty: ChatCompletionRequestSchema.shape.frequency_penalty,
	stream: z.boolean().optional(),
	stream_options: ChatCompletionRequestSchema.shape.stream_options,
	user: z.string().optional()
});
export type CompletionRequest = z.infer<typeof CompletionRequestSchema>;

export const CompletionChunkSchema = z.object({
	id: z.string(),
	object: z.literal('text_completion'),
	created: z.number().int(),
	model: z.string(),
	choices: z.array(z.object({ index: z.number().int(), text: z.string(), finish_reason: FinishReasonSchema })),
	usage: UsageSchema.nullable().optional()
});
export type CompletionChunk = z.infer<typeof CompletionChunkSchema>;

export const EmbeddingRequestSchema = z.object({
	model: z.string().min(1),
	input: z.union([z.string(), z.array(z.string()).min(1)]),
	encoding_format: z.enum(['float', 'base64']).optional(),
	user: z.string().optional()
});
export type EmbeddingRequest = z.infer<typeof EmbeddingRequestSchema>;

export const ModelListSchema = z.object({
	object: z.literal('list'),
	data: z.array(z.object({ id: z.string(), object: z.literal('model'), created: z.number().int(), owned_by: z.string() }))
});
export type ModelList = z.infer<typeof ModelListSchema>;
