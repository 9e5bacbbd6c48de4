// OpenAI chat messages as a text-only model reads them: developer messages are system messages, text
// parts are joined, and a part the model cannot read (an image, audio, a file) is refused by its name,
// so nothing a client sent is silently dropped. Backends that relay to an upstream never call this.
import { LumenError } from './errors';
import type { ToolCall, WireMessage } from './openai';

/** What a chat template renders: the roles Hugging Face templates know, plain text content. */
export type TemplateMessage =
	| { role: 'system' | 'user'; content: string }
	| { role: 'assistant'; content: string; tool_calls?: ToolCall[] }
	| { role: 'tool'; content: string; tool_call_id: string };

export function toTemplateMessages(messages: readonly WireMessage[], what = 'This model'): TemplateMessage[] {
	return messages.map((m, i) => {
		const content = textContent(m.content, i, what);
		switch (m.role) {
			case 'system':
			case 'developer':
				return { role: 'system', content };
			case 'user':
				return { role: 'user', content };
			case 'assistant':
				return m.tool_calls?.length ? { role: 'assistant', content, tool_calls: m.tool_calls } : { role: 'assistant', content };
			case 'tool':
				return { role: 'tool', content, tool_call_id: m.tool_call_id };
		}
	});
}

function textContent(content: WireMessage['content'], index: number, what: string): string {
	if (content == null) return '';
	if (typeof content === 'string') return content;
	let text = '';
	content.forEach((part, j) => {
		if (part.type === 'text') text += (part as { text: string }).text;
		else
			throw new LumenError(
				'bad_request',
				`${what} reads text only, but messages[${index}].content[${j}] is a ${part.type} part. ` +
					(part.type === 'image_url' ? 'Pick a model marked as vision-capable, or remove the image.' : 'Send text parts only.')
			);
	});
	return text;
}
