// What a finished answer's reason means to the person reading it, when it is not the plain end of an
// answer: a cut-off, a withheld remainder, or a tool call this page does not run. Null needs no word.
import type { FinishReason } from '$lib/protocol/openai';

export function finishNote(reason: FinishReason | undefined): string | null {
	switch (reason) {
		case 'length':
			return 'Cut off at the token limit. Ask it to continue, or raise “Max new tokens” in the chat settings.';
		case 'content_filter':
			return "The model's provider withheld the rest of this answer (content filter).";
		case 'tool_calls':
			return 'The model asked to call a tool. This page runs no tools, so the answer ends here; use the API with tools to run them.';
		default:
			return null;
	}
}
