// A ChatFn over the one OpenAI client: a coordinator's model, a native worker, or any OpenAI-compatible judge
// (a remote API with its key). The answer is streamed and gathered, so every server that streams works.
import { LumenError, stopped } from '../protocol/errors';
import type { OpenAIClient } from '../protocol/openai-client';
import type { ChatFn } from './run-support';

export function openAIChat(client: OpenAIClient, model: string): ChatFn {
	return async (messages, { temperature, maxTokens, signal }) => {
		let text = '';
		for await (const chunk of client.streamChat({ model, messages, temperature, max_tokens: maxTokens }, { signal })) {
			const choice = chunk.choices[0];
			text += choice?.delta.content ?? '';
			if (choice?.finish_reason === 'error') throw new LumenError('generation_failed', `${model} failed part-way through its answer. Try again.`, true);
		}
		// The client ends a stream quietly when it is aborted; a half answer must not be taken for a whole one.
		if (signal?.aborted) throw stopped();
		return text;
	};
}
