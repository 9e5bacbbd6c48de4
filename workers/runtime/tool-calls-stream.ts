// A chat answer with tools offered: the generated text goes through the ToolCallParser and comes out as
// OpenAI deltas (content, or a call's id/type/name and then its arguments), ending with finish_reason
// "tool_calls" when the model called a function.
import type { ChatCompletionChunk, FinishReason, Usage } from '#protocol/openai';
import type { ToolPlan } from './transformers-chat-prompt';
import type { TextEvent } from './transformers-generate';
import { ToolCallParser, type ToolCallEvent } from './tool-calls';

export type ChunkDelta = ChatCompletionChunk['choices'][number]['delta'];
export type MakeChunk = (delta: ChunkDelta, finish: FinishReason, usage?: Usage) => ChatCompletionChunk;

/**
 * Turns generation events into chunks. A call is sent once its block is complete, never piece by piece
 * while the model writes it: only a complete block shows whether it is a valid call or text to hand back
 * as content. `stopGenerating` is called once no more text is wanted (parallel_tool_calls: false).
 */
export async function* toolCallChunks(
	events: AsyncIterable<TextEvent>,
	plan: ToolPlan,
	chunk: MakeChunk,
	stopGenerating: () => void
): AsyncGenerator<ChatCompletionChunk> {
	const parser = new ToolCallParser({ names: plan.names, prefill: plan.prefill, single: plan.single });
	let index = 0;
	function* deltas(found: ToolCallEvent[]): Generator<ChatCompletionChunk> {
		for (const event of found) {
			if (event.type === 'content') {
				yield chunk({ content: event.text }, null);
				continue;
			}
			const { id, type, function: fn } = event.call;
			yield chunk({ tool_calls: [{ index, id, type, function: { name: fn.name, arguments: '' } }] }, null);
			yield chunk({ tool_calls: [{ index, function: { arguments: fn.arguments } }] }, null);
			index += 1;
		}
	}
	for await (const event of events) {
		if (event.type === 'delta') {
			yield* deltas(parser.push(event.text));
			if (parser.done) stopGenerating();
			continue;
		}
		yield* deltas(parser.finish());
		yield chunk({}, finishReason(event.finish, parser), event.usage);
	}
}

/** "tool_calls" when the answer ended on its own (or after the one call wanted) with calls in it. */
function finishReason(finish: FinishReason, parser: ToolCallParser): FinishReason {
	if (parser.calls === 0) return finish;
	return finish === 'stop' || parser.done ? 'tool_calls' : finish;
}
