// `lumen chat`'s commands in a real pseudo-terminal with the local lumen-tiny-a at temperature 0 (greedy):
// /regen, /undo, /save and /load round-trip into a second process, bad files and unknown commands, markdown
// rendered with ANSI styles on a terminal and left plain when piped, and --multiline input.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureModels } from '../../scripts/model-builder/test-support';
import { until } from '../../workers/native/test-support';
import { stripAnsi } from './chat-render';
import { answered, killAll, lumen, type } from './test-support';

const dir = mkdtempSync(join(tmpdir(), 'lumen-chat-'));
const chatArgs = ['chat', '--temperature', '0', '--max-tokens', '10', '--threads', '1'];
const terminal = { pty: true, cwd: dir, env: { TERM: 'xterm-256color' } };
const read = (name: string) => JSON.parse(readFileSync(join(dir, name), 'utf8'));
const markdownFile = {
	format: 'lumen-chat-conversation',
	version: 1,
	model: 'some-other-model',
	messages: [
		{ role: 'user', content: 'format something' },
		{ role: 'assistant', content: '# Title\nSome **bold** and `code`.\n\n- one\n- two' }
	]
};

beforeAll(() => {
	ensureModels();
	writeFileSync(join(dir, 'md.json'), JSON.stringify(markdownFile));
	writeFileSync(join(dir, 'bad.json'), '{"format": "lumen-chat-conversation",');
	writeFileSync(join(dir, 'wrong.json'), JSON.stringify({ ...markdownFile, messages: [{ role: 'bot', content: 'hi' }] }));
});
afterAll(killAll);

// Each test starts one or two processes that load the model: slow on a busy machine.
describe('lumen chat commands in a pseudo-terminal', { timeout: 180_000 }, () => {
	let conversation: { messages: { role: string; content: string }[] };
	let secondAnswer: string;

	it('/regen answers the last message again, /undo removes the last turn, /save writes the conversation', async () => {
		const p = lumen([...chatArgs, '--system', 'Be brief.'], terminal);
		await until(() => p.out().includes('USER: '), 60_000);
		await type(p, 'hello', answered);
		await type(p, '/save first', (o) => o.includes('(saved 2 messages to first.json)'));
		const first = read('first.json');
		expect(first).toMatchObject({ format: 'lumen-chat-conversation', version: 1, model: 'lumen-tiny-a', system: 'Be brief.' });
		expect(first.messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant']);
		const answer = first.messages[1].content.trim();
		expect(answer.length).toBeGreaterThan(3);

		const regen = await type(p, '/regen', answered);
		expect(regen, 'the answer streamed again').toContain(answer);
		await type(p, '/save regen', (o) => o.includes('(saved 2 messages'));
		expect(read('regen.json'), 'greedy: the same answer replaced the old one, no turn added').toEqual(first);

		await type(p, 'tell me more', answered);
		await type(p, '/save longer', (o) => o.includes('(saved 4 messages'));
		secondAnswer = read('longer.json').messages[3].content;
		await type(p, '/undo', (o) => o.includes('(removed the last turn: "tell me more")'));
		await type(p, '/save conv.json', (o) => o.includes('(saved 2 messages to conv.json)'));
		conversation = read('conv.json');
		expect(conversation, 'the undone turn is gone from the file').toEqual(first);

		await type(p, '/undo', (o) => o.includes('(removed the last turn: "hello")'));
		await type(p, '/undo', (o) => o.includes('(nothing to undo)'));
		await type(p, '/regen', (o) => o.includes('(nothing to regenerate yet'));
		await type(p, '/exit', () => true);
		expect(await p.exited).toBe(0);
	});

	it('/load in a new process restores the conversation, which saves back byte-equal and continues where it was', async () => {
		const p = lumen(chatArgs, terminal);
		await until(() => p.out().includes('USER: '), 60_000);
		const shown = await type(p, '/load conv', (o) => o.includes('(loaded 2 messages from conv.json)') && /USER: [^]*USER: /.test(o));
		expect(shown).toContain('SYSTEM: Be brief.');
		expect(shown).toContain('USER: hello');
		await type(p, '/save again', (o) => o.includes('(saved 2 messages'));
		expect(readFileSync(join(dir, 'again.json'), 'utf8')).toBe(readFileSync(join(dir, 'conv.json'), 'utf8'));
		await type(p, 'tell me more', answered);
		await type(p, '/save continued', (o) => o.includes('(saved 4 messages'));
		const continued = read('continued.json');
		expect(continued.messages.slice(0, 2)).toEqual(conversation.messages);
		expect(continued.messages[3].content, 'the loaded history (with its system prompt) led to the same greedy answer').toBe(secondAnswer);
		await type(p, '/exit', () => true);
		expect(await p.exited).toBe(0);
	});

	it('bad files and unknown commands get a clear error and the session goes on (with --no-markdown)', async () => {
		const p = lumen([...chatArgs, '--no-markdown'], terminal);
		await until(() => p.out().includes('USER: '), 60_000);
		const error = (pattern: RegExp) => (o: string) => pattern.test(o.replace(/\r/g, '')) && stripAnsi(o).endsWith('USER: ');
		await type(p, '/save no-such-folder/x.json', error(/Cannot save to no-such-folder\/x\.json: the folder no-such-folder does not exist/));
		await type(p, '/load missing', error(/Cannot load missing\.json: no such file/));
		await type(p, '/load bad.json', error(/Cannot load bad\.json: it is not valid JSON/));
		await type(p, '/load wrong.json', error(/Cannot load wrong\.json: it is not a Lumen conversation \(messages\.0\.role: .*"user"\|"assistant"/));
		await type(p, '/load', error(/Usage: \/load FILE/));
		await type(p, '/bogus', error(/Unknown command \/bogus\. Commands: .*\/help/));
		await type(p, 'hello', answered);
		const plain = await type(p, '/load md.json', (o) => /ASSISTANT: [^]*USER: /.test(o));
		expect(plain.replace(/\r/g, ''), '--no-markdown: plain on a terminal too').toContain('ASSISTANT: # Title\nSome **bold** and `code`.');
		await type(p, '/exit', () => true);
		expect(await p.exited).toBe(0);
	});

	it('renders markdown with ANSI styles on a terminal, and prints it plain when piped', async () => {
		const piped = lumen(chatArgs, { cwd: dir });
		piped.child.stdin!.end('/load md.json\n');
		const tty = lumen(chatArgs, terminal);
		await until(() => tty.out().includes('USER: '), 60_000);
		const shown = await type(tty, '/load md.json', (o) => o.includes('(loaded 2 messages from md.json; it was held with some-other-model, lumen-tiny-a continues it)') && /ASSISTANT: [^]*USER: /.test(o));
		expect(shown).toContain('\u001B[1mbold\u001B[22m');
		expect(shown, 'inline code in yellow').toContain('\u001B[33mcode\u001B[39m');
		expect(shown).not.toContain('**bold**');
		await type(tty, '/exit', () => true);
		expect(await tty.exited).toBe(0);

		expect(await piped.exited).toBe(0);
		expect(piped.out()).toContain('ASSISTANT: # Title\nSome **bold** and `code`.\n\n- one\n- two\n');
		expect(piped.out()).not.toContain('\u001B');
	});

	it('--multiline: Enter continues the message, an empty line sends it, a command needs no empty line', async () => {
		const p = lumen([...chatArgs, '--multiline'], { cwd: dir });
		p.child.stdin!.end('\nfirst line\nsecond line\n\n/save multi\n');
		expect(await p.exited).toBe(0);
		const saved = read('multi.json');
		expect(saved.messages).toHaveLength(2);
		expect(saved.messages[0]).toEqual({ role: 'user', content: 'first line\nsecond line' });
		const help = lumen(['chat', '--help']);
		expect(await help.exited).toBe(0);
		expect(help.out()).toMatch(/--multiline +Enter starts a new line; an empty line sends/);
		for (const command of ['/regen', '/undo', '/save FILE', '/load FILE']) expect(help.out()).toContain(command);
	});
});
