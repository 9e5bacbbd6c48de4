// The answer printer: plain text to a pipe; on a terminal the streamed text is erased (as many rows as it
// took, wide characters counted twice) and printed again as markdown, unless it has scrolled off the screen.
import { PassThrough } from 'node:stream';
import xterm from '@xterm/headless';
import { describe, expect, it } from 'vitest';
import { MessagePrinter, renderMarkdown, stripAnsi, terminalRows, textWidth, type Screen } from './chat-render';

function capture() {
	const stream = new PassThrough();
	let text = '';
	stream.setEncoding('utf8').on('data', (d: string) => (text += d));
	return { stream, text: () => text };
}

const screen = (columns: number, rows: number, markdown = true): Screen => ({ markdown, columns: () => columns, rows: () => rows });

function stream(deltas: string[], s: Screen | null, note = '') {
	const out = capture();
	const printer = new MessagePrinter(out.stream, s, 'ASSISTANT: ');
	for (const d of deltas) printer.write(d);
	printer.end(note);
	return out.text();
}

describe('terminal widths', () => {
	it('counts wide characters twice, combining marks and ANSI styles not at all, tabs to the next stop', () => {
		expect(textWidth('abc')).toBe(3);
		expect(textWidth('你好')).toBe(4);
		expect(textWidth('e\u0301')).toBe(1);
		expect(textWidth('\u001B[1mbold\u001B[22m')).toBe(4);
		expect(textWidth('ab\tc')).toBe(9);
		expect(terminalRows('x'.repeat(20), 10)).toBe(2);
		expect(terminalRows('x'.repeat(21) + '\n\nyy', 10)).toBe(5);
		expect(terminalRows('你'.repeat(6), 10)).toBe(2);
	});
});

describe('MessagePrinter', () => {
	it('writes exactly what the model wrote to a pipe, control characters included', () => {
		expect(stream(['**hi**', ' \u001B[2Jthere'], null, ' [stopped]')).toBe('ASSISTANT: **hi** \u001B[2Jthere [stopped]\n');
	});

	it('on a terminal, erases the streamed rows and prints the rendering', () => {
		const out = stream(['Some **bold**', ' text that wraps over two rows'], screen(30, 24));
		const [streamed, rewritten] = out.split('\r\u001B[J');
		expect(streamed).toBe('ASSISTANT: Some **bold** text that wraps over two rows\u001B[1A');
		expect(stripAnsi(rewritten)).toBe('ASSISTANT: Some bold text that wraps over two rows\n');
	});

	it('drops the control characters a model streams to a terminal, so its escapes cannot act', () => {
		expect(stream(['a\u001B[2Jb\u0007\r'], screen(80, 24, false))).toBe('ASSISTANT: a[2Jb\n');
	});

	it('leaves plain text alone when the rendering would look the same, when markdown is off, or when it scrolled away', () => {
		expect(stream(['just words'], screen(80, 24))).toBe('ASSISTANT: just words\n');
		expect(stream(['**bold**'], screen(80, 24, false))).toBe('ASSISTANT: **bold**\n');
		const tall = Array.from({ length: 30 }, (_, i) => `- item ${i}`).join('\n');
		expect(stream([tall], screen(80, 24))).toBe(`ASSISTANT: ${tall}\n`);
	});

	it('prints block markdown (lists, headings) from the line below the label', () => {
		const out = capture();
		MessagePrinter.print(out.stream, screen(80, 24), 'ASSISTANT: ', '# Title\n\n- one\n- two');
		expect(stripAnsi(out.text())).toMatch(/^ASSISTANT: \n# Title\n\n +\* one\n +\* two\n$/);
		expect(stripAnsi(renderMarkdown('line one\nline two', 80)), 'a single newline stays a line break').toBe('line one\nline two');
	});
});

/** What a terminal `columns` wide shows after `bytes` (the tty driver's \n → \r\n included). */
async function screenAfter(bytes: string, columns: number): Promise<string[]> {
	const terminal = new xterm.Terminal({ cols: columns, rows: 30, convertEol: true, allowProposedApi: true });
	await new Promise<void>((resolve) => terminal.write(bytes, resolve));
	const buffer = terminal.buffer.active;
	const lines = Array.from({ length: buffer.length }, (_, i) => buffer.getLine(i)!.translateToString(true));
	terminal.dispose();
	return lines.slice(0, lines.findLastIndex((l) => l !== '') + 1);
}

describe('MessagePrinter on a terminal emulator (xterm.js headless)', () => {
	const cases: [string, string[], number][] = [
		['wraps over rows', ['Some **bold** words, ', 'enough of them to wrap twice at twenty columns'], 20],
		['fills its last row exactly', ['**abcdefghi**', 'x'.repeat(40 - 'ASSISTANT: **abcdefghi**'.length)], 20],
		['has wide characters', ['**你好**，', '世界你好世界你好世界你好'], 20],
		['has lines and a list', ['Intro\n\n', '- one\n- two **2**\n\n`code` end'], 30]
	];
	for (const [what, deltas, columns] of cases) {
		it(`leaves exactly the rendered answer below the earlier lines when the answer ${what}`, async () => {
			const streamed = stream(deltas, screen(columns, 30));
			const expected = capture();
			MessagePrinter.print(expected.stream, screen(columns, 30), 'ASSISTANT: ', deltas.join(''));
			expect(streamed, 'the answer was redrawn').toContain('\r\u001B[J');
			const shown = await screenAfter('earlier line\nUSER: hi\n' + streamed, columns);
			expect(shown).toEqual(await screenAfter('earlier line\nUSER: hi\n' + expected.text(), columns));
			expect(shown.slice(0, 2)).toEqual(['earlier line', 'USER: hi']);
		});
	}
});
