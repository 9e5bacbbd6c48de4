// Errors in the interface's language: every code has a headline in both languages, the errors' own texts
// exist in both, keep their numbers, and survive the trips an error makes (worker messages, HTTP bodies).
import { describe, expect, it } from 'vitest';
import {
	ErrorCodes,
	ErrorTextKeys,
	LumenError,
	LumenErrorDataSchema,
	contextLengthExceeded,
	errorText,
	toLumenError,
	wrapError
} from '$lib/protocol/errors';
import { toOpenAIError } from '$lib/protocol/openai-errors';
import { httpErrorToLumen, payloadToLumen, readErrorPayload } from '$lib/protocol/openai-client-errors';
import { parseSSE } from '$lib/protocol/sse';
import { LOCALES, MESSAGES, setupI18n, setLocale, translate } from './index';
import { ERROR_HEADLINES, describeError } from './error-text';

setupI18n('en');
const zh = (key: Parameters<typeof translate>[0], values?: Record<string, string | number>) => {
	setLocale('zh-CN');
	try {
		return translate(key, values);
	} finally {
		setLocale('en');
	}
};
const inZh = (error: LumenError) => {
	setLocale('zh-CN');
	try {
		return describeError(error.toData(), 'zh-CN', translate);
	} finally {
		setLocale('en');
	}
};

describe('error headlines and texts', () => {
	it('give every error code a headline in each language, different from the key and from each other', () => {
		for (const code of LOCALES) {
			const seen = new Set<string>();
			for (const c of ErrorCodes) {
				const text = MESSAGES[code][ERROR_HEADLINES[c]];
				expect(text, `${code} ${c}`).toBeTruthy();
				seen.add(text);
			}
			expect(seen.size, code).toBe(ErrorCodes.length);
		}
	});

	it('have every text an error can name, in both languages', () => {
		for (const key of ErrorTextKeys) for (const code of LOCALES) expect(MESSAGES[code][key], `${code} ${key}`).toBeTruthy();
	});

	it('show the English message as it is on an English page, with no headline', () => {
		const e = contextLengthExceeded(3000, 2048);
		expect(describeError(e.toData(), 'en', translate)).toEqual({ text: e.message });
	});

	it('say the context overflow in Chinese with both numbers, and "at least" for a lower bound', () => {
		expect(inZh(contextLengthExceeded(3000, 2048))).toEqual({
			text: '该模型的最大上下文长度为 2048 个词元，但这段提示占用了 3000 个词元。请缩短消息或删除最早的轮次，然后重试。'
		});
		expect(inZh(contextLengthExceeded(9000, 2048, false)).text).toContain('这段提示至少占用了 9000 个词元');
	});

	it('show an error without a text of its own as its code headline, then the English message as a detail', () => {
		const e = new LumenError('generation_failed', 'ONNX session failed: bad node', false);
		expect(inZh(e)).toEqual({ text: zh('error.code.generation_failed'), detail: 'ONNX session failed: bad node' });
		// A text id this page does not know (a newer server's) falls back the same way.
		const newer = new LumenError('unavailable', 'Busy.', true, { i18n: { key: 'error.text.fromTheFuture' } });
		expect(inZh(newer)).toEqual({ text: zh('error.code.unavailable'), detail: 'Busy.' });
	});

	it('localize the errors a person meets most', () => {
		const quota = toLumenError(Object.assign(new Error('x'), { name: 'QuotaExceededError' }));
		expect(inZh(quota).text).toBe('浏览器的存储空间已用完。请删除已缓存的模型或释放磁盘空间，然后重试。');
		expect(inZh(toLumenError(Object.assign(new Error('x'), { name: 'AbortError' })))).toEqual({ text: '已停止。' });
		const noModel = new LumenError('model_not_found', 'Load a model before chatting.', true, { i18n: errorText('error.text.noModel', { action: 'chat' }) });
		expect(inZh(noModel).text).toBe('请先加载模型，再开始聊天。');
		const limited = new LumenError('rate_limited', 'Too many.', true, { i18n: errorText('error.text.rateLimited', { limit: 30, seconds: 7 }) });
		expect(inZh(limited).text).toBe('请求过于频繁：每分钟最多 30 次。请等待 7 秒后重试。');
	});

	it('tell a wrapped error with the inner one in Chinese: its own text, or its headline and the English detail', () => {
		const inner = new LumenError('rate_limited', 'Too many votes.', true, { i18n: errorText('error.text.rateLimited', { limit: 5, seconds: 12 }) });
		const vote = wrapError(inner, 'error.text.voteNotSaved', 'The vote was not saved: ');
		expect(vote.message).toBe('The vote was not saved: Too many votes.');
		expect(vote.code).toBe('rate_limited');
		expect(inZh(vote)).toEqual({ text: '投票未保存：请求过于频繁：每分钟最多 5 次。请等待 12 秒后重试。' });
		const plain = wrapError(new LumenError('internal', 'disk on fire'), 'error.text.voteNotSaved', 'The vote was not saved: ');
		expect(inZh(plain)).toEqual({ text: `投票未保存：${zh('error.code.internal')}`, detail: 'The vote was not saved: disk on fire' });
	});
});

describe('an error text on its way', () => {
	const e = contextLengthExceeded(3000, 2048);

	it('survives toData/fromData and a worker message (structured clone)', () => {
		const back = LumenError.fromData(LumenErrorDataSchema.parse(structuredClone(e.toData())));
		expect(back.i18n).toEqual({ key: 'error.text.contextLength', values: { context: 2048, prompt: 3000, exact: 'yes' } });
		expect(back.message).toBe(e.message);
		expect(toLumenError(structuredClone(e.toData())).i18n).toEqual(e.i18n);
	});

	it('rides in the HTTP error body as an extra field the client reads back, and in a stream', async () => {
		const body = toOpenAIError(e, 'messages');
		expect(body.error).toMatchObject({ message: e.message, code: 'context_length_exceeded', param: 'messages', i18n: e.i18n });
		const res = new Response(JSON.stringify(body), { status: 400, headers: { 'content-type': 'application/json' } });
		const back = await httpErrorToLumen(res, '/v1/chat/completions', { server: 'the server at http://x', keyHint: 'Check it.' });
		expect(back).toMatchObject({ code: 'context_length_exceeded', message: e.message, i18n: e.i18n, status: 400 });
		expect(payloadToLumen(readErrorPayload(JSON.parse(JSON.stringify(body)))!, 400).i18n).toEqual(e.i18n);
		const stream = new Response(`data: ${JSON.stringify(body)}\n\n`).body!;
		await expect(async () => {
			for await (const chunk of parseSSE(stream)) void chunk;
		}).rejects.toMatchObject({ code: 'context_length_exceeded', i18n: e.i18n });
	});

	it('is dropped, not fatal, when another server sends a field of that name in another shape', async () => {
		const body = { error: { message: 'Nope.', type: 'invalid_request_error', code: 'bad_request', i18n: 'zh' } };
		const back = await httpErrorToLumen(new Response(JSON.stringify(body), { status: 400 }), '/v1/x', { server: 'the server', keyHint: '' });
		expect(back).toMatchObject({ code: 'bad_request', message: 'Nope.' });
		expect(back.i18n).toBeUndefined();
	});

	it('names the server when it refuses the API key', async () => {
		const res = new Response(JSON.stringify({ error: { message: 'bad key' } }), { status: 401 });
		const back = await httpErrorToLumen(res, '/v1/models', { server: 'the server at http://gpu:8000', keyHint: 'Check the API key in Settings.', url: 'http://gpu:8000' });
		expect(back.message).toBe('The server at http://gpu:8000 refused the API key (bad key). Check the API key in Settings.');
		expect(inZh(back).text).toBe('位于 http://gpu:8000 的服务器拒绝了 API 密钥。请检查 API 密钥。');
	});
});

describe('refusals of images', () => {
	it('say in Chinese which model reads text only, inside the wrapped "this conversation has images" too', async () => {
		const { imageSupport } = await import('$lib/engine/picker');
		const model = { id: 'm', name: 'Tiny', vision: false } as Parameters<typeof imageSupport>[0];
		const support = imageSupport(model, null);
		if (support.ok) throw new Error('a text-only model accepted images');
		const data = { code: 'bad_request' as const, message: 'x', retryable: false, i18n: { key: 'error.text.conversationHasImages', reason: { code: 'bad_request' as const, ...support.text } } };
		setLocale('zh-CN');
		try {
			expect(describeError(data, 'zh-CN', translate)).toEqual({ text: '这段对话包含图片。Tiny 只能读取文字；要发送图片，请选择标有“可识图”的模型。如果只想继续文字对话，请开始新对话。' });
		} finally {
			setLocale('en');
		}
	});
});
