// ChatState with images, over a scripted engine and a real (fake-indexeddb) store: what a vision model is
// sent on every turn, what is stored, and that a text-only model is never sent an image.
import 'fake-indexeddb/auto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { EngineState } from './engine-state.svelte';
import { dataUrlToBlob, getConversation, type StoredImage } from '$lib/storage';
import { freshStore } from '$lib/storage/test-utils';
import type { ImageSupport } from '$lib/engine/picker';
import { ChatState } from './chat-state.svelte';
import { ScriptedEngine, scriptedEngines } from './test-support';

beforeAll(() => {
	globalThis.requestAnimationFrame ??= (cb: FrameRequestCallback) => setTimeout(() => cb(0), 0) as unknown as number;
});

/** A real 1×1 PNG. */
const PNG_URL = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
const image = (name = 'dot.png'): StoredImage => ({ blob: dataUrlToBlob(PNG_URL), name, width: 1, height: 1 });
const imagePart = { type: 'image_url', image_url: { url: PNG_URL } };
const TEXT_ONLY = {
	ok: false,
	reason: 'Tiny reads text only. Pick a model marked "sees images".',
	text: { key: 'error.text.imagesTextOnly', values: { model: 'Tiny' } }
} satisfies ImageSupport;

function setup(images: ImageSupport = { ok: true }) {
	const engine = new ScriptedEngine({ words: ['ok'] });
	const engines = scriptedEngines(engine);
	engines.images = images;
	const store = freshStore('conversations');
	const chat = new ChatState(engines as unknown as EngineState, store);
	chat.params.systemPrompt = 'Be brief.';
	return { engine, engines, chat, store };
}

describe('ChatState with images', () => {
	it('sends the text and each image as an image_url data: URL part, and stores the image with the message', async () => {
		const { engine, chat, store } = setup();
		await chat.send('What is this?', [image()]);
		expect(chat.error).toBeNull();
		expect(engine.requests[0].messages).toEqual([
			{ role: 'system', content: 'Be brief.' },
			{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, imagePart] }
		]);
		const saved = await getConversation(chat.conversation.id, store);
		expect(saved?.messages[0]).toMatchObject({ role: 'user', content: 'What is this?', images: [{ name: 'dot.png', width: 1, height: 1 }] });
		expect(saved?.messages[0].images?.[0].blob.type).toBe('image/png');
	});

	it('keeps earlier images in the history of later turns and of Regenerate', async () => {
		const { engine, chat } = setup();
		await chat.send('Look', [image()]);
		await chat.send('And now?');
		await chat.regenerate();
		for (const request of engine.requests.slice(1)) {
			expect(request.messages.map((m) => m.content)).toEqual(['Be brief.', [{ type: 'text', text: 'Look' }, imagePart], 'ok', 'And now?']);
		}
		expect(engine.requests).toHaveLength(3);
	});

	it('sends an image without text as an image part alone, titled by the file name', async () => {
		const { engine, chat } = setup();
		await chat.send('  ', [image('cat.png')]);
		expect(engine.requests[0].messages[1]).toEqual({ role: 'user', content: [imagePart] });
		expect(chat.conversation.title).toBe('cat.png');
	});

	it('never sends an image to a text-only model: the message is refused, saying why', async () => {
		const { engine, chat } = setup(TEXT_ONLY);
		expect(chat.accepts([image()])).toBe(false);
		await chat.send('What is this?', [image()]);
		expect(engine.requests).toEqual([]);
		expect(chat.conversation.messages).toEqual([]);
		expect(chat.error).toEqual({ code: 'bad_request', message: TEXT_ONLY.reason, retryable: false, i18n: TEXT_ONLY.text });
		expect(chat.accepts([]), 'text alone is fine').toBe(true);
	});

	it('refuses to continue or regenerate a conversation with images once a text-only model is picked', async () => {
		const { engine, engines, chat } = setup();
		await chat.send('Look', [image()]);
		engines.images = TEXT_ONLY;
		await chat.send('And now?');
		await chat.regenerate();
		expect(engine.requests).toHaveLength(1);
		expect(chat.error?.message).toBe(`This conversation has images. ${TEXT_ONLY.reason} To go on in text only, start a new chat.`);
		expect(chat.conversation.messages.map((m) => m.content)).toEqual(['Look', 'ok']);
	});
});
