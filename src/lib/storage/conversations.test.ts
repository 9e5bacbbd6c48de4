import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { LumenError } from '$lib/protocol/errors';
import {
	CONVERSATION_MIGRATIONS,
	CONVERSATION_VERSION,
	deleteConversation,
	exportAllConversations,
	exportConversation,
	getConversation,
	importConversations,
	listConversations,
	migrate,
	saveConversation,
	type Conversation
} from './conversations';
import { dataUrlToBlob, type StoredImage } from './conversations-images';
import { failingStore, freshStore } from './test-utils';

/** A real 1×1 PNG. */
const PNG_URL = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
const image = (): StoredImage => ({ blob: dataUrlToBlob(PNG_URL), name: 'dot.png', width: 1, height: 1 });
const bytesOf = async (blob: Blob) => [...new Uint8Array(await blob.arrayBuffer())];

function conversation(id: string, updatedAt: number, extra: Partial<Conversation> = {}): Conversation {
	return {
		version: CONVERSATION_VERSION,
		id,
		title: `Chat ${id}`,
		modelId: 'org/tiny',
		createdAt: 1000,
		updatedAt,
		systemPrompt: 'Be brief.',
		params: { temperature: 0.7, top_p: 0.9, max_tokens: 256 },
		messages: [
			{ id: `${id}-1`, role: 'user', content: 'Hi', createdAt: 1001 },
			{
				id: `${id}-2`,
				role: 'assistant',
				content: 'Hello!',
				createdAt: 1002,
				stats: { ttftMs: 120, tokensPerSecond: 31.5, tokens: 3, finishReason: 'stop' }
			}
		],
		...extra
	};
}

async function rejection(promise: Promise<unknown>): Promise<LumenError> {
	const err = await promise.then(
		() => undefined,
		(e: unknown) => e
	);
	if (!(err instanceof LumenError)) throw new Error(`expected a LumenError, got ${String(err)}`);
	return err;
}

describe('conversations', () => {
	it('saves and reads back a conversation unchanged, including message stats', async () => {
		const store = freshStore();
		const chat = conversation('a', 2000);
		await saveConversation(chat, store);
		expect(await getConversation('a', store)).toEqual(chat);
		expect(await getConversation('missing', store)).toBeUndefined();
	});

	it('rejects saving an invalid conversation with bad_request and writes nothing', async () => {
		const store = freshStore();
		const bad = { ...conversation('a', 1), params: { temperature: 5, top_p: 0.9, max_tokens: 10 } };
		const err = await rejection(saveConversation(bad, store));
		expect(err.code).toBe('bad_request');
		expect(err.message).toMatch(/temperature/);
		expect(await store.keys()).toEqual([]);
	});

	it('lists summaries newest first', async () => {
		const store = freshStore();
		await saveConversation(conversation('old', 1000), store);
		await saveConversation(conversation('new', 3000), store);
		await saveConversation(conversation('mid', 2000), store);
		const list = await listConversations(store);
		expect(list.map((c) => c.id)).toEqual(['new', 'mid', 'old']);
		expect(list[0]).toEqual({ id: 'new', title: 'Chat new', modelId: 'org/tiny', createdAt: 1000, updatedAt: 3000, messageCount: 2 });
	});

	it('skips unknown or invalid records instead of failing the list', async () => {
		const store = freshStore();
		await saveConversation(conversation('good', 1000), store);
		await store.set('garbage', 'not an object');
		await store.set('no-version', { ...conversation('no-version', 1), version: undefined });
		await store.set('future', { ...conversation('future', 1), version: 99 });
		await store.set('broken', { ...conversation('broken', 1), messages: [{ role: 'robot' }] });
		await store.set('wrong-key', conversation('other-id', 1));

		expect((await listConversations(store)).map((c) => c.id)).toEqual(['good']);
		expect(await getConversation('broken', store)).toBeUndefined();
		expect(await getConversation('wrong-key', store)).toBeUndefined();
	});

	it('deletes a conversation', async () => {
		const store = freshStore();
		await saveConversation(conversation('a', 1), store);
		await saveConversation(conversation('b', 2), store);
		await deleteConversation('a', store);
		expect(await getConversation('a', store)).toBeUndefined();
		expect((await listConversations(store)).map((c) => c.id)).toEqual(['b']);
	});

	it('maps a full disk on save to quota_exceeded', async () => {
		const store = failingStore(freshStore(), 0);
		expect((await rejection(saveConversation(conversation('a', 1), store))).code).toBe('quota_exceeded');
	});

	it('exports one conversation as pretty JSON that imports back', async () => {
		const source = freshStore();
		await saveConversation(conversation('a', 1), source);
		const json = await exportConversation('a', source);
		expect(json).toContain('\n  "id": "a"');

		const target = freshStore();
		expect(await importConversations(json, target)).toEqual({ imported: 1, replaced: 0, ids: ['a'] });
		expect(await getConversation('a', target)).toEqual(conversation('a', 1));
	});

	it('exporting a missing conversation fails with bad_request', async () => {
		expect((await rejection(exportConversation('nope', freshStore()))).code).toBe('bad_request');
	});

	it('exports all conversations as a bundle that round-trips and replaces same-id records', async () => {
		const source = freshStore();
		await saveConversation(conversation('a', 1), source);
		await saveConversation(conversation('b', 2), source);
		const json = await exportAllConversations(source);
		expect(JSON.parse(json)).toMatchObject({ format: 'lumen-conversations', version: 1 });

		const target = freshStore();
		await saveConversation(conversation('a', 50, { title: 'local edit' }), target);
		expect(await importConversations(json, target)).toEqual({ imported: 2, replaced: 1, ids: ['b', 'a'] });
		expect((await getConversation('a', target))?.title).toBe('Chat a');
		expect((await listConversations(target)).map((c) => c.id)).toEqual(['b', 'a']);
	});

	it('imports a bare array of conversations', async () => {
		const store = freshStore();
		const json = JSON.stringify([conversation('x', 1), conversation('y', 2)]);
		expect((await importConversations(json, store)).imported).toBe(2);
	});

	it.each([
		['not JSON', '{oops', /not valid JSON/],
		['a non-conversation', '{"hello": "world"}', /Conversation 1 of 1 is invalid/],
		['a bad message role', JSON.stringify([conversation('ok', 1), { ...conversation('bad', 1), messages: [{ id: 'm', role: 'robot', content: '', createdAt: 1 }] }]), /Conversation 2 of 2 is invalid/],
		['a newer format', JSON.stringify({ ...conversation('new', 1), version: 7 }), /newer Lumen/],
		['duplicate ids', JSON.stringify([conversation('d', 1), conversation('d', 2)]), /same conversation id twice/]
	])('rejects %s with bad_request and imports nothing', async (_label, json, message) => {
		const store = freshStore();
		const err = await rejection(importConversations(json, store));
		expect(err.code).toBe('bad_request');
		expect(err.message).toMatch(message);
		expect(await store.keys()).toEqual([]);
	});
});

describe('migrate', () => {
	it('accepts a current record as is', () => {
		expect(migrate(conversation('a', 1))).toEqual({ ok: true, conversation: conversation('a', 1) });
	});

	it('applies migration steps in order up to the current version', () => {
		const { version: _v, systemPrompt, ...rest } = conversation('a', 1);
		const v0 = { ...rest, version: 0, system: systemPrompt };
		const steps = { ...CONVERSATION_MIGRATIONS, 0: ({ system, ...r }: Record<string, unknown>) => ({ ...r, systemPrompt: system }) };
		expect(migrate(v0, steps)).toEqual({ ok: true, conversation: conversation('a', 1) });
	});

	it('fails without crashing when no migration path exists or the version is newer', () => {
		expect(migrate({ ...conversation('a', 1), version: 0 })).toMatchObject({ ok: false, reason: expect.stringMatching(/no migration/) });
		expect(migrate({ ...conversation('a', 1), version: CONVERSATION_VERSION + 1 })).toMatchObject({ ok: false, reason: expect.stringMatching(/newer/) });
		expect(migrate(null)).toMatchObject({ ok: false });
	});

	it('reads a version 1 record (before images) as the current version', () => {
		const result = migrate({ ...conversation('a', 1), version: 1 });
		expect(result).toEqual({ ok: true, conversation: conversation('a', 1) });
	});
});

describe('conversations with images', () => {
	const withImage = (id: string) => {
		const chat = conversation(id, 1);
		chat.messages[0] = { ...chat.messages[0], images: [image()] };
		return chat;
	};

	it('stores an image as a Blob and reads the same bytes, type and size back', async () => {
		const store = freshStore();
		await saveConversation(withImage('a'), store);
		const raw = (await store.get('a')) as Conversation;
		expect(raw.messages[0].images?.[0].blob, 'kept as a Blob in IndexedDB, not base64 text').toBeInstanceOf(Blob);
		const read = (await getConversation('a', store))!.messages[0].images![0];
		expect(read).toMatchObject({ name: 'dot.png', width: 1, height: 1 });
		expect(read.blob.type).toBe('image/png');
		expect(await bytesOf(read.blob)).toEqual(await bytesOf(image().blob));
	});

	it('exports the image as a data: URL and imports it back to the same bytes', async () => {
		const source = freshStore();
		await saveConversation(withImage('a'), source);
		const json = await exportConversation('a', source);
		expect(JSON.parse(json).messages[0].images).toEqual([{ url: PNG_URL, name: 'dot.png', width: 1, height: 1 }]);
		expect(JSON.parse(await exportAllConversations(source)).conversations[0].messages[0].images[0].url).toBe(PNG_URL);

		const target = freshStore();
		await importConversations(json, target);
		const imported = (await getConversation('a', target))!.messages[0].images![0];
		expect(imported.blob.type).toBe('image/png');
		expect(await bytesOf(imported.blob)).toEqual(await bytesOf(image().blob));
	});

	it.each([
		['a non-image data URL', 'data:text/html;base64,PGI+aGk8L2I+', /data:image\/…;base64/],
		['an SVG', 'data:image/svg+xml;base64,PHN2Zy8+', /image\/png, image\/jpeg, image\/webp, image\/gif/],
		['a remote URL', 'https://example.com/cat.png', /data:image\/…;base64/]
	])('refuses to import %s, saying which image is wrong', async (_label, url, message) => {
		const chat = { ...conversation('a', 1), messages: [{ id: 'm', role: 'user', content: 'look', createdAt: 1, images: [{ url, name: 'x', width: 1, height: 1 }] }] };
		const store = freshStore();
		const err = await rejection(importConversations(JSON.stringify(chat), store));
		expect(err.code).toBe('bad_request');
		expect(err.message).toMatch(message);
		expect(err.message).toMatch(/messages\[0\]\.images\[0\]/);
		expect(await store.keys()).toEqual([]);
	});

	it('treats a stored record whose image is not an image Blob as unreadable', async () => {
		const store = freshStore();
		const chat = withImage('a');
		await store.set('a', { ...chat, messages: [{ ...chat.messages[0], images: [{ ...image(), blob: new Blob(['<p>'], { type: 'text/html' }) }] }] });
		expect(await getConversation('a', store)).toBeUndefined();
	});

	it('refuses more than four images on one message', async () => {
		const chat = conversation('a', 1);
		chat.messages[0] = { ...chat.messages[0], images: Array.from({ length: 5 }, image) };
		expect((await rejection(saveConversation(chat, freshStore()))).message).toMatch(/images/);
	});
});
