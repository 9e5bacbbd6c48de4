// A native worker's token counting (FastChat's worker /count_token and /model_details in one call):
// the wire shape the coordinator's /api/v1/token_check reads, and the admission check every generation
// passes before it may wait in the queue. Its schemas belong with #protocol/coordinator's.
import { z } from 'zod';
import { LumenError } from '#protocol/errors';
import { ChatMessageSchema } from '#protocol/openai';
import { promptTooLong } from '../runtime/context-window';
import type { Backend, TokenCountInput } from './backend';

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

export function countInput(request: z.infer<typeof CountTokensRequestSchema>): TokenCountInput {
	return request.messages ? { model: request.model, messages: request.messages } : { model: request.model, prompt: request.prompt ?? '' };
}

export function noTokenizer(backend: Backend): LumenError {
	return new LumenError(
		'bad_request',
		`This worker's ${backend.kind} backend has no tokenizer for its model, so it cannot count tokens. Ask a worker with the onnx backend.`
	);
}

/**
 * Refuses a prompt that leaves no room for one new token with the 400 context_length_exceeded, before
 * the request waits in the queue: a hopeless request must not wait behind others, nor crash the model.
 */
export async function checkContext(backend: Backend, input: TokenCountInput): Promise<void> {
	const counted = await backend.countTokens?.(input);
	if (!counted || counted.context_length === null || counted.count < counted.context_length) return;
	throw promptTooLong(counted, counted.context_length);
}
