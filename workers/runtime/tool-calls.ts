// Reads tool calls out of a model's streamed text, in the Qwen2.5 / Hermes syntax our tool templates teach:
// <tool_call>{"name": …, "arguments": {…}}</tool_call>. Pure and incremental: text deltas in, content and
// finished calls out. Text outside the blocks stays content; a block that is not a valid call stays text.
import type { ToolCall } from '#protocol/openai';

export const TOOL_CALL_OPEN = '<tool_call>';
export const TOOL_CALL_CLOSE = '</tool_call>';

export type ToolCallEvent = { type: 'content'; text: string } | { type: 'call'; call: ToolCall };

export type ToolCallParserOptions = {
	/** Only calls to these functions count; a block naming another stays text. */
	names: ReadonlySet<string>;
	/** Text the answer was made to start with: a forced call's opening, beginning with <tool_call>. */
	prefill?: string;
	/** Stop reading after the first call (parallel_tool_calls: false). */
	single?: boolean;
	newId?: () => string;
};

const randomCallId = () => `call_${crypto.randomUUID().replace(/-/g, '').slice(0, 24)}`;

/**
 * Streams content as it arrives, except what could still turn out to be a tool call: a trailing piece of
 * `<tool_call>`, an open block, and trailing whitespace (dropped before a call, kept before more text, so
 * an answer without calls comes out exactly as the model wrote it).
 */
export class ToolCallParser {
	private buffer = '';
	private inBlock = false;
	private space = '';
	private found = 0;
	private readonly names: ReadonlySet<string>;
	private readonly single: boolean;
	private readonly newId: () => string;

	constructor(options: ToolCallParserOptions) {
		this.names = options.names;
		this.single = options.single ?? false;
		this.newId = options.newId ?? randomCallId;
		if (options.prefill) {
			this.buffer = options.prefill;
			this.inBlock = options.prefill.startsWith(TOOL_CALL_OPEN);
		}
	}

	/** How many calls were read so far. */
	get calls(): number {
		return this.found;
	}

	/** True once nothing more will be read: one call was found and only one was wanted. */
	get done(): boolean {
		return this.single && this.found > 0;
	}

	push(text: string): ToolCallEvent[] {
		if (this.done) return [];
		this.buffer += text;
		const events: ToolCallEvent[] = [];
		while (!this.done) {
			if (!this.inBlock) {
				const at = this.buffer.indexOf(TOOL_CALL_OPEN);
				if (at === -1) {
					const keep = partialOpen(this.buffer);
					this.content(this.buffer.slice(0, this.buffer.length - keep), events);
					this.buffer = this.buffer.slice(this.buffer.length - keep);
					break;
				}
				this.content(this.buffer.slice(0, at), events);
				this.buffer = this.buffer.slice(at);
				this.inBlock = true;
			}
			const end = this.buffer.indexOf(TOOL_CALL_CLOSE);
			if (end === -1) break;
			const block = this.buffer.slice(0, end + TOOL_CALL_CLOSE.length);
			this.buffer = this.buffer.slice(block.length);
			this.inBlock = false;
			this.block(block, block.slice(TOOL_CALL_OPEN.length, end), events);
		}
		return events;
	}

	/** The end of the answer: what was held back, and a block left open if it still reads as a call. */
	finish(): ToolCallEvent[] {
		const events: ToolCallEvent[] = [];
		if (this.done) return events;
		const rest = this.buffer;
		this.buffer = '';
		// Models sometimes end the answer instead of writing the closing tag: a complete call still counts.
		if (this.inBlock) this.block(rest, rest.slice(TOOL_CALL_OPEN.length), events);
		else this.content(rest, events);
		if (this.found === 0 && this.space) events.push({ type: 'content', text: this.space });
		this.space = '';
		return events;
	}

	private content(text: string, events: ToolCallEvent[]): void {
		if (!text) return;
		const trimmed = text.trimEnd();
		if (trimmed) {
			events.push({ type: 'content', text: this.space + trimmed });
			this.space = '';
		}
		this.space += text.slice(trimmed.length);
	}

	private block(raw: string, body: string, events: ToolCallEvent[]): void {
		const call = readCall(body, this.names);
		if (!call) {
			// Not a call we can hand to the client: the client sees exactly what the model wrote.
			this.content(raw, events);
			return;
		}
		this.space = '';
		this.found += 1;
		events.push({ type: 'call', call: { id: this.newId(), type: 'function', function: call } });
	}
}

/** The call a block's body describes, or null when it is not one: JSON with a known name and object arguments. */
export function readCall(body: string, names: ReadonlySet<string>): { name: string; arguments: string } | null {
	let parsed: unknown;
	try {
		parsed = JSON.parse(body);
	} catch {
		return null;
	}
	if (!isObject(parsed) || typeof parsed.name !== 'string' || !names.has(parsed.name)) return null;
	// Llama-style models write "parameters"; some write the arguments as a JSON string.
	let args = parsed.arguments ?? parsed.parameters ?? {};
	if (typeof args === 'string') {
		try {
			args = JSON.parse(args);
		} catch {
			return null;
		}
	}
	return isObject(args) ? { name: parsed.name, arguments: JSON.stringify(args) } : null;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Length of the longest end of `text` that begins `<tool_call>` (held until the next piece decides). */
function partialOpen(text: string): number {
	for (let n = Math.min(text.length, TOOL_CALL_OPEN.length - 1); n > 0; n--) if (TOOL_CALL_OPEN.startsWith(text.slice(-n))) return n;
	return 0;
}
