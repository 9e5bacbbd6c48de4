// The conversation's edits and its file: what /undo and /regen take away, what /save writes, and the
// errors /save and /load give for each kind of bad path or file.
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Conversation, conversationPath, loadConversation, saveConversation } from './chat-conversation';

const dir = mkdtempSync(join(tmpdir(), 'lumen-conversation-'));

function conversation(): Conversation {
	const c = new Conversation('Be brief.');
	c.messages.push({ role: 'user', content: 'one' }, { role: 'assistant', content: 'A' }, { role: 'user', content: 'two' }, { role: 'assistant', content: 'B' });
	return c;
}

describe('Conversation', () => {
	it('sends the system prompt first, and undo removes a whole turn, then nothing', () => {
		const c = conversation();
		expect(c.request()[0]).toEqual({ role: 'system', content: 'Be brief.' });
		expect(c.undo()).toBe('two');
		expect(c.messages).toEqual([
			{ role: 'user', content: 'one' },
			{ role: 'assistant', content: 'A' }
		]);
		c.messages.push({ role: 'user', content: 'unanswered' });
		expect(c.undo(), 'a question without an answer is a turn too').toBe('unanswered');
		expect(c.undo()).toBe('one');
		expect(c.undo()).toBeNull();
		expect(c.request()).toEqual([{ role: 'system', content: 'Be brief.' }]);
	});

	it('saves and loads the same conversation; without a system prompt the field is left out', async () => {
		const file = join(dir, 'round.json');
		await saveConversation(file, conversation().toFile('lumen-tiny-a'));
		expect(await loadConversation(file)).toEqual(conversation().toFile('lumen-tiny-a'));
		expect(new Conversation(undefined).toFile('m')).toEqual({ format: 'lumen-chat-conversation', version: 1, model: 'm', messages: [] });
	});

	it('adds .json to a name without an extension, like FastChat', () => {
		expect(conversationPath('chat')).toBe('chat.json');
		expect(conversationPath('dir.d/chat')).toBe('dir.d/chat.json');
		expect(conversationPath('chat.txt')).toBe('chat.txt');
	});
});

describe('conversation file errors', () => {
	it('/save: a missing folder, a folder, a read-only folder', async () => {
		const content = conversation().toFile('m');
		await expect(saveConversation(join(dir, 'nope', 'c.json'), content)).rejects.toThrow(/Cannot save to .*nope\/c\.json: the folder .*nope does not exist/);
		await expect(saveConversation(dir, content)).rejects.toThrow(/Cannot save to .*: it is a folder/);
		const locked = join(dir, 'locked');
		mkdirSync(locked);
		chmodSync(locked, 0o500);
		if (process.getuid?.() !== 0) await expect(saveConversation(join(locked, 'c.json'), content)).rejects.toThrow(/permission denied/);
	});

	it('/load: missing, a folder, not JSON, and each wrong shape names the field', async () => {
		await expect(loadConversation(join(dir, 'missing.json'))).rejects.toThrow(/Cannot load .*missing\.json: no such file/);
		await expect(loadConversation(dir)).rejects.toThrow(/it is a folder/);
		const write = (name: string, text: string) => (writeFileSync(join(dir, name), text), join(dir, name));
		await expect(loadConversation(write('bad.json', '{"format":'))).rejects.toThrow(/bad\.json: it is not valid JSON \(/);
		const good = conversation().toFile('m');
		const cases: [unknown, RegExp][] = [
			[[], /the file: /],
			[{ ...good, format: 'fastchat' }, /format: /],
			[{ ...good, version: 2 }, /version: /],
			[{ ...good, model: '' }, /model: /],
			[{ ...good, messages: [{ role: 'system', content: 'x' }] }, /messages\.0\.role: /],
			[{ ...good, messages: [{ role: 'user', content: 3 }] }, /messages\.0\.content: /],
			[{ ...good, extra: 1 }, /extra/]
		];
		for (const [json, field] of cases) {
			const error = loadConversation(write('shape.json', JSON.stringify(json)));
			await expect(error).rejects.toThrow(/Cannot load .*shape\.json: it is not a Lumen conversation \(/);
			await expect(error).rejects.toThrow(field);
		}
	});
});
