// Images for real: a fake OpenAI-compatible vision server written here (node:http, records what it receives,
// streams a scripted answer, lists its model with capabilities chat + vision) behind a real coordinator; the built
// app in Chromium attaches a PNG to a message, the server receives it as an image_url data: URL with the text,
// and the conversation keeps the image across a reload, a later turn, a large photo and the JSON export.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { test, expect } from './fixtures';
import { startServer, type AppServer } from './server';

const MODEL = 'vision-model';
const ANSWER = ['I ', 'see ', 'a ', 'red ', 'square.'];

type Part = { type: string; text?: string; image_url?: { url: string } };
type Body = { model: string; messages: { role: string; content: string | Part[] }[] };

let upstream: Server;
let upstreamUrl = '';
const received: Body[] = [];
let coordinator: AppServer;
let dataDir = '';

async function handle(req: IncomingMessage, res: ServerResponse) {
	if (req.method === 'GET' && req.url === '/v1/models') {
		res.writeHead(200, { 'content-type': 'application/json' });
		return res.end(JSON.stringify({ object: 'list', data: [{ id: MODEL, object: 'model', created: 1, owned_by: 'test', capabilities: ['chat', 'vision'] }] }));
	}
	if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
		res.writeHead(404, { 'content-type': 'application/json' });
		return res.end(JSON.stringify({ error: { message: `no ${req.url}`, type: 'invalid_request_error', code: 'not_found' } }));
	}
	const chunks: Buffer[] = [];
	for await (const c of req) chunks.push(c as Buffer);
	received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Body);
	res.writeHead(200, { 'content-type': 'text/event-stream' });
	const chunk = (delta: object, finish: string | null) => ({ id: 'up-1', object: 'chat.completion.chunk', created: 1, model: MODEL, choices: [{ index: 0, delta, finish_reason: finish }] });
	const events = [chunk({ role: 'assistant', content: '' }, null), ...ANSWER.map((t) => chunk({ content: t }, null)), chunk({}, 'stop')];
	for (const e of events) {
		res.write(`data: ${JSON.stringify(e)}\n\n`);
		await new Promise((r) => setTimeout(r, 20));
	}
	res.write(`data: ${JSON.stringify({ id: 'up-1', object: 'chat.completion.chunk', created: 1, model: MODEL, choices: [], usage: { prompt_tokens: 9, completion_tokens: ANSWER.length, total_tokens: 9 + ANSWER.length } })}\n\n`);
	res.end('data: [DONE]\n\n');
}

test.beforeAll(async () => {
	upstream = createServer((req, res) => void handle(req, res));
	await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
	upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
	dataDir = mkdtempSync(join(tmpdir(), 'lumen-images-'));
	coordinator = await startServer({
		LUMEN_WEB_DIR: 'build',
		LUMEN_DB: join(dataDir, 'lumen.db'),
		LUMEN_WORKER_SECRET: 'e2e-images-secret',
		// Named, so the coordinator's log line about it carries no URL for startServer to mistake for its own.
		LUMEN_UPSTREAMS: JSON.stringify([{ url: `${upstreamUrl}/v1`, name: 'fake-vision' }])
	});
});

test.afterAll(async () => {
	await coordinator?.stop();
	await new Promise<void>((resolve) => (upstream ? upstream.close(() => resolve()) : resolve()));
	rmSync(dataDir, { recursive: true, force: true });
});

/** A PNG drawn by Chromium's own encoder: a red square, or a large gradient that must be downscaled. */
async function makePng(page: Page, width: number, height: number): Promise<Buffer> {
	const bytes = await page.evaluate(
		async ([w, h]) => {
			const canvas = new OffscreenCanvas(w, h);
			const ctx = canvas.getContext('2d')!;
			const fill = ctx.createLinearGradient(0, 0, w, h);
			fill.addColorStop(0, '#e00');
			fill.addColorStop(1, w > 1000 ? '#00e' : '#e00');
			ctx.fillStyle = fill;
			ctx.fillRect(0, 0, w, h);
			const blob = await canvas.convertToBlob({ type: 'image/png' });
			const url = await new Promise<string>((resolve) => {
				const reader = new FileReader();
				reader.onload = () => resolve(reader.result as string);
				reader.readAsDataURL(blob);
			});
			return url.slice(url.indexOf(',') + 1);
		},
		[width, height] as const
	);
	return Buffer.from(bytes, 'base64');
}

/** What Chromium decodes from an image the server received: its size proves it is a whole, valid image. */
async function decodeInPage(page: Page, url: string): Promise<{ width: number; height: number }> {
	return page.evaluate(async (u) => {
		const bitmap = await createImageBitmap(await (await fetch(u)).blob());
		return { width: bitmap.width, height: bitmap.height };
	}, url);
}

async function attach(page: Page, name: string, buffer: Buffer) {
	const chooser = page.waitForEvent('filechooser');
	await page.getByRole('button', { name: 'Attach image' }).click();
	await (await chooser).setFiles({ name, mimeType: 'image/png', buffer });
	await expect(page.getByRole('list', { name: 'Images to send' }).getByRole('img', { name: `Attached image ${name}` })).toBeVisible();
}

async function send(page: Page, text: string) {
	const before = received.length;
	await page.getByRole('textbox', { name: 'Message' }).fill(text);
	await page.getByRole('button', { name: 'Send' }).click();
	await expect.poll(() => received.length).toBe(before + 1);
	await expect(page.getByRole('button', { name: 'Stop' })).toBeDisabled();
	await expect(page.locator('[data-role="assistant"]').last().locator('.content')).toHaveText(ANSWER.join(''));
	return received[before];
}

const dataUrl = /^data:(image\/(?:png|jpeg));base64,([A-Za-z0-9+/]+={0,2})$/;
const parts = (body: Body, i: number) => body.messages.filter((m) => m.role === 'user')[i].content as Part[];
const userImage = (page: Page, name: string) => page.locator('[data-role="user"]').getByRole('img', { name: `Attached image ${name}` });
const naturalWidth = (page: Page, name: string) => userImage(page, name).evaluate((img: HTMLImageElement) => img.naturalWidth);

test('an image attached in the chat page reaches a vision model as an image_url data: URL, and stays with the conversation', async ({ page }) => {
	// The coordinator is set in Settings, as a person would.
	await page.goto(`${coordinator.url}/settings`);
	await page.getByLabel('Coordinator URL').fill(coordinator.url);
	await page.getByRole('button', { name: 'Test connection' }).click();
	await expect(page.getByTestId('connection-result')).toContainText(MODEL);
	// Until the coordinator relays its upstreams' capabilities, the person marks the model here; once it
	// does, Settings shows "the server says so" instead of a checkbox.
	const mark = page.getByRole('checkbox', { name: `${MODEL} can see images` });
	if (await mark.count()) await mark.check();
	else await expect(page.getByTestId('connection-result')).toContainText('sees images (the server says so)');
	await page.getByRole('button', { name: 'Save' }).click();
	await expect(page.getByRole('status').filter({ hasText: 'Saved' })).toBeVisible();

	// A text-only model in this browser: the attach button is there, disabled, and says why.
	await page.goto(`${coordinator.url}/?device=wasm`);
	const picker = page.getByLabel('Model', { exact: true });
	await picker.selectOption('lumen-tiny-a');
	const button = page.getByRole('button', { name: 'Attach image' });
	await expect(button).toHaveAttribute('aria-disabled', 'true');
	await expect(button).toHaveAccessibleDescription(/Lumen Tiny A.*reads text only/);
	// aria-disabled rather than disabled, so it stays focusable and can say why when pressed.
	await button.focus();
	await page.keyboard.press('Enter');
	await expect(page.getByRole('alert')).toContainText('reads text only; for images, pick a model marked "sees images".');

	// The vision model on the coordinator: marked in the picker, and the button works.
	await expect(picker.locator(`option[value="${MODEL}"]`)).toHaveText(`${MODEL} (server, sees images)`);
	await picker.selectOption(MODEL);
	await expect(page.getByTestId('sees-images')).toBeVisible();
	await expect(button).toBeEnabled();

	const png = await makePng(page, 40, 30);
	await attach(page, 'red.png', png);
	const first = await send(page, 'What colour is this?');

	// The server got the text part and the image part, the image as a base64 data: URL of the very PNG attached.
	expect(first.model).toBe(MODEL);
	const [text, image] = parts(first, 0);
	expect(text).toEqual({ type: 'text', text: 'What colour is this?' });
	expect(image.type).toBe('image_url');
	const m = dataUrl.exec(image.image_url!.url);
	expect(m, 'a data:image/…;base64, URL').not.toBeNull();
	expect(m![1]).toBe('image/png');
	expect(Buffer.from(m![2], 'base64').equals(png), 'the bytes attached, unchanged').toBe(true);
	expect(await decodeInPage(page, image.image_url!.url)).toEqual({ width: 40, height: 30 });

	// Shown in the conversation, decoded, with alt text; the composer is empty again.
	await expect(userImage(page, 'red.png')).toBeVisible();
	expect(await naturalWidth(page, 'red.png')).toBe(40);
	await expect(page.getByRole('list', { name: 'Images to send' })).toHaveCount(0);

	// After a reload the conversation, image included, comes back from IndexedDB.
	await page.reload();
	await expect(userImage(page, 'red.png')).toBeVisible();
	expect(await naturalWidth(page, 'red.png')).toBe(40);
	await expect(page.locator('[data-role="user"]').first()).toContainText('What colour is this?');

	// A later turn resends the earlier image; a large photo is downscaled to 1568 px and re-encoded as JPEG.
	await expect(picker).toHaveValue(MODEL);
	await attach(page, 'big.png', await makePng(page, 3000, 2000));
	const second = await send(page, 'And this one?');
	expect(parts(second, 0)[1].image_url!.url).toBe(image.image_url!.url);
	const [text2, big] = parts(second, 1);
	expect(text2).toEqual({ type: 'text', text: 'And this one?' });
	expect(dataUrl.exec(big.image_url!.url)?.[1]).toBe('image/jpeg');
	expect(await decodeInPage(page, big.image_url!.url)).toEqual({ width: 1568, height: 1045 });
	expect(big.image_url!.url.length, 'well inside the coordinator’s 1 MiB body limit').toBeLessThan(700 * 1024);

	// Regenerate sends both images again.
	await page.getByRole('button', { name: 'Regenerate' }).click();
	await expect.poll(() => received.length).toBe(3);
	await expect(page.getByRole('button', { name: 'Stop' })).toBeDisabled();
	expect(parts(received[2], 0)[1].image_url!.url).toBe(image.image_url!.url);
	expect(parts(received[2], 1)[1].image_url!.url).toBe(big.image_url!.url);

	// The JSON export keeps both images as data: URLs.
	const download = page.waitForEvent('download');
	await page.getByRole('button', { name: 'Export What colour is this?' }).click();
	const exported = JSON.parse(readFileSync((await (await download).path())!, 'utf8')) as { messages: { images?: { url: string; name: string }[] }[] };
	const images = exported.messages.flatMap((msg) => msg.images ?? []);
	expect(images.map((i) => i.name)).toEqual(['red.png', 'big.png']);
	expect(images.map((i) => i.url)).toEqual([image.image_url!.url, big.image_url!.url]);
});

test('at a phone’s width the composer stays usable and the attach button is a 44 px touch target', async ({ page }) => {
	await page.setViewportSize({ width: 390, height: 844 });
	await page.goto(`${coordinator.url}/?device=wasm`);
	const button = page.getByRole('button', { name: 'Attach image' });
	const box = (await button.boundingBox())!;
	expect(box.width).toBeGreaterThanOrEqual(44);
	expect(box.height).toBeGreaterThanOrEqual(44);
	for (const control of [button, page.getByRole('textbox', { name: 'Message' }), page.getByRole('button', { name: 'Send' })]) {
		const b = (await control.boundingBox())!;
		expect(b.x).toBeGreaterThanOrEqual(0);
		expect(b.x + b.width).toBeLessThanOrEqual(390);
	}
	expect((await page.getByRole('textbox', { name: 'Message' }).boundingBox())!.width).toBeGreaterThan(200);
});
