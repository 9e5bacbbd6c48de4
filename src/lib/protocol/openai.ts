// OpenAI chat-completion wire types: the one format every token source speaks.
// Pure zod + TypeScript: imported by pages, browser workers, native workers and the coordinator.
import { z } from 'zod';

export const RoleSchema = z.enum(['system', 'user', 'assistant']);
export type Role = z.infer<typeof RoleSchema>;

/** A plain text message: what the app's own pages, the CLI and the templates build and store. */
export const ChatMessageSchema = z.object({
	role: RoleSchema,
	content: z.string()
});
export type ChatMessage = z.infer<typeof ChatMessageSchema>;

// The OpenAI chat API's message shapes, as clients send them. Unknown fields are kept (loose objects),
// so a request relayed to an upstream arrives there unchanged; the TypeScript types list only the known
// fields (Known<>), so code reads what it understands and spreads stay precise.

/** A loose object's type without its `[key: string]: unknown` index signature (distributes over unions). */
export type Known<T> = T extends unknown ? { [K in keyof T as string extends K ? never : K]: T[K] } : never;

export const TextPartSchema = z.looseObject({ type: z.literal('text'), text: z.string() });
export const ImagePartSchema = z.looseObject({
	type: z.literal('image_url'),
	image_url: z.looseObject({ url: z.string().min(1), detail: z.enum(['auto', 'low', 'high']).optional() })
});
/** Other part types (input_audio, file, …) pass through to upstreams; local backends refuse them by name. */
export const OtherPartSchema = z.looseObject({ type: z.string().refine((t) => t !== 'text' && t !== 'image_url', 'a text or image_url part is malformed') });
export const ContentPartSchema = z.union([TextPartSchema, ImagePartSchema, OtherPartSchema]);
export type ContentPart = Known<z.infer<typeof ContentPartSchema>>;
export const ContentSchema = z.union([z.string(), z.array(ContentPartSchema)]);
export type Content = string | ContentPart[];

export const ToolCallSchema = z.looseObject({
	id: z.string(),
	type: z.literal('function'),
	function: z.looseObject({ name: z.string(), arguments: z.string() })
});
export type ToolCall = Known<z.infer<typeof ToolCallSchema>>;

export const WireMessageSchema = z.discriminatedUnion('role', [
	z.looseObject({ role: z.literal('system'), content: ContentSchema, name: z.string().optional() }),
	z.looseObject({ role: z.literal('developer'), content: ContentSchema, name: z.string().optional() }),
	z.looseObject({ role: z.literal('user'), content: ContentSchema, name: z.string().optional() }),
	z.looseObject({
		role: z.literal('assistant'),
		content: ContentSchema.nullish(),
		tool_calls: z.array(ToolCallSchema).optional(),
		name: z.string().optional()
	}),
	z.looseObject({ role: z.literal('tool'), content: ContentSchema, tool_call_id: z.string().min(1) })
]);
export type WireMessage = Known<z.infer<typeof WireMessageSchema>>;
export type WireRole = WireMessage['role'];

export const ToolSchema = z.looseObject({
	type: z.literal('function'),
	function: z.looseObject({
		name: z.string().min(1).max(64),
		description: z.string().optional(),
		parameters: z.record(z.string(), z.unknown()).optional(),
		strict: z.boolean().nullish()
	})
});
export type Tool = Known<z.infer<typeof ToolSchema>>;

export const ToolChoiceSchema = z.union([
	z.enum(['none', 'auto', 'required']),
	z.looseObject({ type: z.literal('function'), function: z.looseObject({ name: z.string() }) })
]);
export type ToolChoice = Known<z.infer<typeof ToolChoiceSchema>>;

export const ResponseFormatSchema = z.looseObject({ type: z.enum(['text', 'json_object', 'json_schema']) });

/** Sampling fields chat and text completions share (OpenAI's, plus vLLM's top_k and repetition_penalty). */
const sampling = {
	temperature: z.number().min(0).max(2).optional(),
	top_p: z.number().gt(0).max(1).optional(),
	/** 0 or -1 turn it off, as in vLLM. */
	top_k: z.number().int().min(-1).optional(),
	max_tokens: z.number().int().positive().optional(),
	stop: z.union([z.string(), z.array(z.string()).max(4)]).optional(),
	n: z.number().int().min(1).max(16).optional(),
	seed: z.number().int().optional(),
	presence_penalty: z.number().min(-2).max(2).optional(),
	frequency_penalty: z.number().min(-2).max(2).optional(),
	repetition_penalty: z.number().gt(0).max(10).optional(),
	stream: z.boolean().optional(),
	stream_options: z.looseObject({ include_usage: z.boolean().optional() }).optional(),
	user: z.string().optional()
};

export const ChatCompletionRequestSchema = z
	.looseObject({
		model: z.string().min(1),
		messages: z.array(WireMessageSchema).min(1),
		...sampling,
		/** OpenAI's newer name for max_tokens; read through maxTokensOf(). */
		max_completion_tokens: z.number().int().positive().optional(),
		logprobs: z.boolean().optional(),
		top_logprobs: z.number().int().min(0).max(20).optional(),
		tools: z.array(ToolSchema).optional(),
		tool_choice: ToolChoiceSchema.optional(),
		parallel_tool_calls: z.boolean().optional(),
		response_format: ResponseFormatSchema.optional()
	})
	.refine((r) => r.top_logprobs === undefined || r.logprobs === true, {
		message: "'top_logprobs' needs 'logprobs': true.",
		path: ['top_logprobs']
	});
export type ChatCompletionRequest = Omit<Known<z.infer<typeof ChatCompletionRequestSchema>>, 'messages' | 'tools'> & { messages: WireMessage[]; tools?: Tool[] };

/** max_completion_tokens wins over max_tokens when both are given, as OpenAI defines. */
export function maxTokensOf(request: { max_tokens?: number; max_completion_tokens?: number }): number | undefined {
	return request.max_completion_tokens ?? request.max_tokens;
}

/** A message's text: a string as is, text parts joined; other parts are not text. */
export function textOf(content: Content | null | undefined): string {
	if (content == null) return '';
	if (typeof content === 'string') return content;
	return content.map((p) => (p.type === 'text' ? (p as { text: string }).text : '')).join('');
}

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

/** One token's log probability, with the most likely alternatives at that step (OpenAI's shape). */
export const TokenLogprobSchema = z.object({
	token: z.string(),
	logprob: z.number(),
	bytes: z.array(z.number().int()).nullable(),
	top_logprobs: z.array(z.object({ token: z.string(), logprob: z.number(), bytes: z.array(z.number().int()).nullable() }))
});
export type TokenLogprob = z.infer<typeof TokenLogprobSchema>;
export const ChoiceLogprobsSchema = z.object({ content: z.array(TokenLogprobSchema).nullable() });

/** A streamed piece of a tool call: the first delta of a call carries id, type and name; later ones add arguments. */
export const ToolCallDeltaSchema = z.object({
	index: z.number().int(),
	id: z.string().optional(),
	type: z.literal('function').optional(),
	function: z.object({ name: z.string().optional(), arguments: z.string().optional() }).optional()
});
export type ToolCallDelta = z.infer<typeof ToolCallDeltaSchema>;

export const ChatCompletionChunkSchema = z.object({
	id: z.string(),
	object: z.literal('chat.completion.chunk'),
	created: z.number().int(),
	model: z.string(),
	choices: z.array(
		z.object({
			index: z.number().int(),
			delta: z.object({ role: RoleSchema.optional(), content: z.string().optional(), tool_calls: z.array(ToolCallDeltaSchema).optional() }),
			logprobs: ChoiceLogprobsSchema.nullish(),
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
		z.object({
			index: z.number().int(),
			message: z.object({ role: z.literal('assistant'), content: z.string().nullable(), tool_calls: z.array(ToolCallSchema).optional() }),
			logprobs: ChoiceLogprobsSchema.nullish(),
			finish_reason: FinishReasonSchema
		})
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

export const CompletionRequestSchema = z.looseObject({
	model: z.string().min(1),
	prompt: z.union([z.string(), z.array(z.string()).length(1)]),
	...sampling,
	/** The number of most likely tokens to report per step (the legacy API's integer logprobs, up to 5). */
	logprobs: z.number().int().min(0).max(5).nullish(),
	/** Return the prompt before the completion. */
	echo: z.boolean().optional()
});
export type CompletionRequest = Known<z.infer<typeof CompletionRequestSchema>>;

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
	input: z.union([z.string(), z.array(z.string()).min(1)], {
		error: 'give a string or a non-empty array of strings; token-id arrays are not supported, so send the text itself'
	}),
	encoding_format: z.enum(['float', 'base64']).optional(),
	/** Kept so a backend that cannot shorten its vectors can refuse it by name rather than ignore it. */
	dimensions: z.number().int().positive().optional(),
	user: z.string().optional()
});
export type EmbeddingRequest = z.infer<typeof EmbeddingRequestSchema>;

export const ModelListSchema = z.object({
	object: z.literal('list'),
	data: z.array(z.object({ id: z.string(), object: z.literal('model'), created: z.number().int(), owned_by: z.string() }))
});
export type ModelList = z.infer<typeof ModelListSchema>;
