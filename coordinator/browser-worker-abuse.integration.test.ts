// Tabs are untrusted: raw WebSocket clients (the `ws` package) with a wrong token, malformed, unsolicited,
// oversized or flooding messages, or that go silent, are refused or disconnected and removed from the
// registry, while a real tab serving lumen-tiny-b next to them keeps serving without a hitch.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { CloseCodes } from '#protocol/browser-worker';
import type { RunningCoordinator } from './server';
import { rawTab, spawnBrowserWorker, type BrowserWorkerProcess } from './testing/browser-workers';
import { startTestCoordinator, until } from './testing/processes';

const TOKEN = 'join-token-abuse-tests';
const MAX_BYTES = 64 * 1024;
let coordinator: RunningCoordinator;
let client: OpenAI;
let tab: BrowserWorkerProcess;
let tabId: string;

beforeAll(async () => {
	coordinator = await startTestCoordinator({
		worker_secret: 'native-secret',
		join_tokens: [TOKEN],
		browser_heartbeat_interval_ms: 300,
		browser_heartbeat_expiry_ms: 1_000,
		browser_max_message_bytes: MAX_BYTES,
		browser_max_messages_per_second: 200
	});
	client = new OpenAI({ baseURL: `${coordinator.url}/v1`, apiKey: 'unused', maxRetries: 0 });
	tab = await spawnBrowserWorker({ coordinator: coordinator.url, token: TOKEN });
	tabId = (await tab.waitFor((s) => s.state === 'serving', 90_000, 'the real tab to be accepted')).workerId!;
}, 180_000);
afterAll(async () => {
	await tab?.kill();
	await coordinator?.close({ graceMs: 0 });
});

const browserIds = () => coordinator.registry.list().filter((w) => w.kind === 'browser').map((w) => w.worker_id);

/** A raw tab that joined as `raw-model` and was accepted. */
async function joinedRawTab() {
	const raw = await rawTab(coordinator.url);
	raw.hello(TOKEN);
	const accepted = await raw.frame((f) => f.type === 'accepted');
	return { raw, id: accepted.worker_id as string };
}

/** A chat request for the raw tab's model, started in the background; resolves with how its stream ended. */
function chatToRawTab(stream = true) {
	return (async () => {
		try {
			if (!stream) return { ok: true, value: await client.chat.completions.create({ model: 'raw-model', messages: [{ role: 'user', content: 'hi' }] }) };
			const s = await client.chat.completions.create({ model: 'raw-model', messages: [{ role: 'user', content: 'hi' }], stream: true });
			let text = '';
			for await (const chunk of s) text += chunk.choices[0]?.delta.content ?? '';
			return { ok: true, value: text, at: Date.now() };
		} catch (err) {
			return { ok: false, error: err as InstanceType<typeof OpenAI.APIError>, at: Date.now() };
		}
	})();
}

describe('joining', () => {
	it('refuses a wrong join token, says why, and registers nothing', async () => {
		const raw = await rawTab(coordinator.url);
		raw.hello('not-the-token');
		const refused = await raw.frame((f) => f.type === 'refused');
		expect(refused.error).toMatchObject({ code: 'unauthorized', message: expect.stringMatching(/join token is not valid/) });
		expect((await raw.closedWithin(2_000)).code).toBe(CloseCodes.refused);
		expect(browserIds()).toEqual([tabId]);
	});

	it('refuses every tab when no join tokens are configured, naming LUMEN_JOIN_TOKENS', async () => {
		const closed = await startTestCoordinator({ join_tokens: [] });
		try {
			const raw = await rawTab(closed.url);
			raw.hello(TOKEN);
			const refused = await raw.frame((f) => f.type === 'refused');
			expect(refused.error).toMatchObject({ code: 'unauthorized', message: expect.stringMatching(/LUMEN_JOIN_TOKENS/) });
			expect((await raw.closedWithin(2_000)).code).toBe(CloseCodes.refused);
		} finally {
			await closed.close({ graceMs: 0 });
		}
	});

	it('tells a tab of another protocol version to reload', async () => {
		const raw = await rawTab(coordinator.url);
		raw.hello(TOKEN, { protocol: 99 });
		expect((await raw.frame((f) => f.type === 'refused')).error).toMatchObject({ message: expect.stringMatching(/Reload the page/) });
		expect((await raw.closedWithin(2_000)).code).toBe(CloseCodes.versionMismatch);
	});

	it('never lets a tab choose its worker id, nor lets a native worker take over a tab\'s', async () => {
		const raw = await rawTab(coordinator.url);
		raw.hello(TOKEN, { worker_id: tabId });
		expect((await raw.closedWithin(2_000)).code).toBe(CloseCodes.protocolError);
		const res = await fetch(`${coordinator.url}/workers/register`, {
			method: 'POST',
			headers: { 'content-type': 'application/json', authorization: 'Bearer native-secret' },
			body: JSON.stringify({ worker_id: tabId, url: 'http://127.0.0.1:9/v1', models: [{ id: 'lumen-tiny-b' }] })
		});
		expect(res.status).toBe(409);
		expect((await res.json()).error).toMatchObject({ code: 'worker_id_taken', param: 'worker_id' });
		expect(coordinator.registry.get(tabId)?.kind).toBe('browser');
	});

	it('404s a WebSocket upgrade anywhere else', async () => {
		await expect(rawTab(coordinator.url.replace(/$/, '/v1'))).rejects.toThrow(/404/);
	});
});

describe('a joined tab that misbehaves is disconnected and removed at once', () => {
	it('malformed JSON', async () => {
		const { raw, id } = await joinedRawTab();
		raw.send('{"type": "status", "queue_length": ');
		expect(await raw.closedWithin(2_000)).toMatchObject({ code: CloseCodes.protocolError, reason: expect.stringMatching(/not JSON/) });
		expect(browserIds()).not.toContain(id);
	});

	it('a message that is not part of the protocol', async () => {
		const { raw, id } = await joinedRawTab();
		raw.send({ type: 'status', queue_length: -3 });
		expect(await raw.closedWithin(2_000)).toMatchObject({ code: CloseCodes.protocolError, reason: expect.stringMatching(/queue_length/) });
		expect(browserIds()).not.toContain(id);
	});

	it('anything before hello', async () => {
		const raw = await rawTab(coordinator.url);
		raw.send({ type: 'status', queue_length: 0 });
		expect(await raw.closedWithin(2_000)).toMatchObject({ code: CloseCodes.protocolError, reason: expect.stringMatching(/before hello/) });
	});

	it('chunks for a request it was not given', async () => {
		const { raw, id } = await joinedRawTab();
		raw.send({
			type: 'chunk',
			id: 'r1',
			chunk: { id: 'x', object: 'chat.completion.chunk', created: 1, model: 'lumen-tiny-b', choices: [{ index: 0, delta: { content: 'pwned' }, finish_reason: null }] }
		});
		expect(await raw.closedWithin(2_000)).toMatchObject({ code: CloseCodes.protocolError, reason: expect.stringMatching(/it was not given/) });
		expect(browserIds()).not.toContain(id);
	});

	it('a chunk of the wrong kind mid-stream: the client gets an in-band error', async () => {
		const { raw, id } = await joinedRawTab();
		const answer = chatToRawTab();
		const request = await raw.frame((f) => f.type === 'request');
		const chatChunk = { id: 'c', object: 'chat.completion.chunk', created: 1, model: 'raw-model', choices: [{ index: 0, delta: { content: 'Hel' }, finish_reason: null }] };
		raw.send({ type: 'chunk', id: request.id, chunk: chatChunk });
		raw.send({ type: 'chunk', id: request.id, chunk: { id: 'c', object: 'text_completion', created: 1, model: 'raw-model', choices: [{ index: 0, text: 'lo', finish_reason: null }] } });
		expect(await raw.closedWithin(2_000)).toMatchObject({ code: CloseCodes.protocolError, reason: expect.stringMatching(/text_completion chunk for a chat request/) });
		const ended = await answer;
		expect(ended.ok).toBe(false);
		expect(ended.error!.message).toMatch(/stopped in the middle of the answer/);
		expect(browserIds()).not.toContain(id);
	});

	it('a frame over the size limit', async () => {
		const { raw, id } = await joinedRawTab();
		raw.send({ type: 'status', queue_length: 0, padding: 'x'.repeat(MAX_BYTES) });
		expect((await raw.closedWithin(2_000)).code).toBe(1009); // ws: "message too big"
		await until(() => !browserIds().includes(id), 1_000, 'the oversized tab to be removed');
	});

	it('a flood of messages', async () => {
		const { raw, id } = await joinedRawTab();
		for (let i = 0; i < 1_000 && raw.socket.readyState === raw.socket.OPEN; i++) raw.send({ type: 'status', queue_length: 0 });
		expect(await raw.closedWithin(2_000)).toMatchObject({ code: CloseCodes.flooding, reason: expect.stringMatching(/messages per second/) });
		expect(browserIds()).not.toContain(id);
	});

	it('a flood of bytes in valid frames, each within the size limit', async () => {
		const { raw, id } = await joinedRawTab();
		const answer = chatToRawTab();
		const request = await raw.frame((f) => f.type === 'request');
		const content = 'x'.repeat(MAX_BYTES - 1_000);
		for (let i = 0; i < 20 && raw.socket.readyState === raw.socket.OPEN; i++)
			raw.send({ type: 'chunk', id: request.id, chunk: { id: 'c', object: 'chat.completion.chunk', created: 1, model: 'raw-model', choices: [{ index: 0, delta: { content }, finish_reason: null }] } });
		expect(await raw.closedWithin(2_000)).toMatchObject({ code: CloseCodes.flooding, reason: expect.stringMatching(/bytes per second/) });
		expect((await answer).ok).toBe(false);
		expect(browserIds()).not.toContain(id);
	});

	it('silence past the heartbeat expiry, mid-request: its stream ends with an error within 2 s', async () => {
		const { raw, id } = await joinedRawTab();
		const answer = chatToRawTab();
		const request = await raw.frame((f) => f.type === 'request');
		raw.send({
			type: 'chunk',
			id: request.id,
			chunk: { id: 'c', object: 'chat.completion.chunk', created: 1, model: 'raw-model', choices: [{ index: 0, delta: { content: 'Hel' }, finish_reason: null }] }
		});
		const silentFrom = Date.now();
		expect((await raw.closedWithin(3_000)).code).toBe(CloseCodes.heartbeatMissed);
		const ended = await answer;
		expect(ended.ok).toBe(false);
		// Expiry (1 s) plus at most one check interval.
		expect(ended.at! - silentFrom).toBeLessThan(2_000);
		expect(browserIds()).not.toContain(id);
		expect((await client.models.list()).data.map((m) => m.id)).not.toContain('raw-model');
	});
});

describe('a well-behaved raw tab', () => {
	it('answers a non-streamed request from its chunks, and a tab error before the first chunk as the HTTP status it maps to', async () => {
		const { raw } = await joinedRawTab();
		const answer = chatToRawTab(false);
		const r1 = await raw.frame((f) => f.type === 'request');
		expect(r1).toMatchObject({ kind: 'chat', body: { model: 'raw-model', messages: [{ role: 'user', content: 'hi' }] } });
		for (const content of ['Hel', 'lo'])
			raw.send({ type: 'chunk', id: r1.id, chunk: { id: 'c', object: 'chat.completion.chunk', created: 1, model: 'raw-model', choices: [{ index: 0, delta: { content }, finish_reason: null }] } });
		raw.send({ type: 'done', id: r1.id, finish_reason: 'stop', usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } });
		const ok = await answer;
		expect(ok.ok).toBe(true);
		expect(ok.value).toMatchObject({ object: 'chat.completion', choices: [{ message: { content: 'Hello' } }], usage: { completion_tokens: 2 } });

		const refused = chatToRawTab();
		const r2 = await raw.frame((f) => f.type === 'request' && f.id !== r1.id);
		raw.send({ type: 'error', id: r2.id, error: { code: 'context_length_exceeded', message: 'Too long for this tab.', retryable: false } });
		const failed = await refused;
		expect(failed.ok).toBe(false);
		expect(failed.error).toMatchObject({ status: 400, code: 'context_length_exceeded', message: expect.stringMatching(/Too long for this tab/) });
		// The tab was not at fault: still registered, still healthy.
		expect(coordinator.registry.list().find((w) => w.models.some((m) => m.id === 'raw-model'))?.healthy).toBe(true);
		raw.close();
	});
});

describe('the real tab next to all that', () => {
	it('was never disconnected and still serves', async () => {
		expect(browserIds()).toContain(tabId);
		expect(tab.history().every((s) => s.state !== 'reconnecting')).toBe(true);
		const answer = await client.chat.completions.create({ model: 'lumen-tiny-b', messages: [{ role: 'user', content: 'Still there?' }], temperature: 0, max_tokens: 8 });
		expect(answer.choices[0].finish_reason).toBe('length');
		expect(tab.status()!.workerId).toBe(tabId);
	});
});
