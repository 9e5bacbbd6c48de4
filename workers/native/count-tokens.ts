// A native worker's token counting (FastChat's worker /count_token and /model_details in one call):
// the wire shape the coordinator's /api/v1/token_check reads, and the admission check every generation
// passes before it may wait in the queue. The wire shapes are #protocol/coordinator's.
import type { z } from 'zod';
import type { CountTokensRequestSchema } from '#protocol/coordinator';
import { LumenError } from '#protocol/errors';
import { promptTooLong } from '../runtime/context-window';
import type { Backend, TokenCountInput } from './backend';

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
