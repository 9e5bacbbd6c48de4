// How `lumen chat` prints answers. On a terminal an answer streams as plain text, and once it is complete
// the streamed text is erased and printed again as markdown (marked + marked-terminal): FastChat's `--style
// rich` re-renders on every token, which flickers; once at the end keeps streaming smooth and the result
// formatted. To a pipe or file, answers are plain text, exactly as the model wrote them.
import type { Writable } from 'node:stream';
import { Marked } from 'marked';
import { markedTerminal } from 'marked-terminal';

// Control characters a model could use to move the cursor or rewrite the screen (all but \t and \n).
// eslint-disable-next-line no-control-regex -- matching them is the point
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;
// eslint-disable-next-line no-control-regex -- matching ANSI escapes is the point
const ANSI = /\u001B\[[0-9;?]*[ -/]*[@-~]|\u001B\][^\u0007\u001B]*(?:\u0007|\u001B\\)/g;

export const stripAnsi = (text: string) => text.replace(ANSI, '');
const sanitize = (text: string) => text.replace(CONTROL, '');

/** Columns a character takes in a terminal: 2 for East Asian wide and emoji, 0 for combining marks. */
function charWidth(cp: number): number {
	if ((cp >= 0x300 && cp <= 0x36f) || cp === 0x200b || (cp >= 0xfe00 && cp <= 0xfe0f)) return 0;
	const wide =
		(cp >= 0x1100 && cp <= 0x115f) ||
		(cp >= 0x2e80 && cp <= 0xa4cf) ||
		(cp >= 0xac00 && cp <= 0xd7a3) ||
		(cp >= 0xf900 && cp <= 0xfaff) ||
		(cp >= 0xfe30 && cp <= 0xfe4f) ||
		(cp >= 0xff00 && cp <= 0xff60) ||
		(cp >= 0xffe0 && cp <= 0xffe6) ||
		(cp >= 0x1f300 && cp <= 0x1faff) ||
		(cp >= 0x20000 && cp <= 0x3fffd);
	return wide ? 2 : 1;
}

export function textWidth(text: string): number {
	let width = 0;
	for (const ch of stripAnsi(text)) width += ch === '\t' ? 8 - (width % 8) : charWidth(ch.codePointAt(0)!);
	return width;
}

/** How many terminal rows `text` occupies when printed from column 0 of a `columns`-wide terminal. */
export function terminalRows(text: string, columns: number): number {
	return text.split('\n').reduce((rows, line) => rows + Math.max(1, Math.ceil(textWidth(line) / columns)), 0);
}

/** Markdown → ANSI-styled text for a terminal `columns` wide. Single newlines stay line breaks, as chat models mean them. */
export function renderMarkdown(markdown: string, columns: number): string {
	const marked = new Marked(markedTerminal({ width: Math.max(20, columns - 1), reflowText: false, tab: 2 }), { breaks: true, gfm: true });
	return (marked.parse(sanitize(markdown), { async: false }) as string).replace(/\n+$/, '');
}

export type Screen = { markdown: boolean; columns: () => number; rows: () => number };

/** Prints one message (label + text) to `output`, streamed or whole, in the screen's style. */
export class MessagePrinter {
	private streamed = '';
	constructor(
		private output: Writable,
		private screen: Screen | null, // null: not a terminal, print plain text
		private label: string
	) {
		output.write(label);
	}

	write(delta: string): void {
		const text = this.screen ? sanitize(delta) : delta;
		this.streamed += text;
		this.output.write(text);
	}

	/** Ends the message: on a terminal with markdown on, replaces the streamed text with its rendering. `note` (e.g. " [stopped]") follows it. */
	end(note = ''): void {
		if (this.screen?.markdown) {
			const columns = this.screen.columns();
			const rendered = renderMarkdown(this.streamed, columns);
			const shown = this.label + this.streamed;
			const rows = terminalRows(shown, columns);
			// Erase only what is still on screen (an answer taller than the screen has scrolled into history: keep it plain).
			if (stripAnsi(rendered).trim() !== this.streamed.trim() && rows < this.screen.rows()) {
				const up = rows - 1;
				this.output.write(`${up > 0 ? `\u001B[${up}A` : ''}\r\u001B[J${this.label}${rendered.includes('\n') ? '\n' : ''}${rendered}`);
			}
		}
		this.output.write(note + '\n');
	}

	/** Prints a whole message at once (a loaded conversation being shown again). */
	static print(output: Writable, screen: Screen | null, label: string, text: string): void {
		if (screen?.markdown) {
			const rendered = renderMarkdown(text, screen.columns());
			output.write(`${label}${rendered.includes('\n') ? '\n' : ''}${rendered}\n`);
		} else output.write(`${label}${screen ? sanitize(text) : text}\n`);
	}
}
