// The one loop that streams an answer from an engine into a message, shared by chat and arena: text is
// appended once per animation frame, first-token time, tokens and tokens/s are recorded, and stop or failure end up on the message.
import type { Engine } from '$lib/engine/types';
import { toLumenError, type LumenError } from '$lib/protocol/errors';
import type { ChatCompletionRequest, FinishReason } from '$lib/protocol/openai';
import type { ChatFormatChoice } from '$lib/protocol/worker-api';
import type { StoredMessage } from '$lib/storage';
import { FrameBuffer } from './stream-buffer';

export type StreamReplyOptions = {
	signal: AbortSignal;
	/** Chat template and system override, for an engine that formats prompts in this browser. */
	format?: ChatFormatChoice;
	/** How a flush is deferred to the next frame (tests pass a synchronous one). */
	schedule?: (cb: () => void) => void;
	now?: () => number;
};

/**
 * Streams `request` into `reply` (pass the reactive message, so the page sees it grow). Never throws:
 * resolves with the error that ended the answer, or null when it finished or was stopped. Whatever
 * text arrived stays on the message either way.
 */
export async function streamReply(
	engine: Pick<Engine, 'chat'>,
	request: ChatCompletionRequest,
	reply: StoredMessage,
	{ signal, format, schedule, now = () => performance.now() }: StreamReplyOptions
): Promise<LumenError | null> {
	const buffer = new FrameBuffer((text) => (reply.content += text), schedule);
	const started = now();
	let firstAt = 0;
	let tokens = 0;
	let finishReason: FinishReason = null;
	let error: LumenError | null = null;
	try {
		for await (const chunk of engine.chat(request, { signal, format })) {
			const choice = chunk.choices[0];
			const delta = choice?.delta.content ?? '';
			if (delta && !firstAt) firstAt = now();
			buffer.push(delta);
			if (choice?.finish_reason) finishReason = choice.finish_reason;
			if (chunk.usage) tokens = chunk.usage.completion_tokens;
		}
		if (signal.aborted) finishReason = 'abort';
	} catch (err) {
		// A stop can surface as an error from the transport (a cancelled fetch): it is still a stop.
		if (signal.aborted) finishReason = 'abort';
		else {
			error = toLumenError(err, 'generation_failed');
			reply.error = error.message;
			finishReason = 'error';
		}
	} finally {
		buffer.flush();
		const decodeMs = firstAt ? now() - firstAt : 0;
		reply.stats = {
			ttftMs: firstAt ? Math.round(firstAt - started) : null,
			tokens,
			// The first token's time is TTFT, so the decode rate counts the tokens after it.
			tokensPerSecond: tokens > 1 && decodeMs > 0 ? ((tokens - 1) * 1000) / decodeMs : null,
			finishReason
		};
	}
	return error;
}
