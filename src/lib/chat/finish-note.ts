// What a finished answer's reason means to the person reading it, when it is not the plain end of an
// answer: a cut-off, a withheld remainder, or a tool call this page does not run. Null needs no word.
import type { FinishReason } from '$lib/protocol/openai';
import type { MessageKey } from '$lib/i18n';

/** The message id of the note (the page shows it in the current language). */
export function finishNote(reason: FinishReason | undefined): MessageKey | null {
	switch (reason) {
		case 'length':
			return 'finish.length';
		case 'content_filter':
			return 'finish.contentFilter';
		case 'tool_calls':
			return 'finish.toolCalls';
		default:
			return null;
	}
}
