// Fuzz kinds about the body as bytes: broken or odd JSON, wrong or missing content types, BOMs,
// invalid UTF-8, UTF-16, compression claims, and sizes around the body limit.
import { gzipSync } from 'node:zlib';
import type { FuzzContext, Kind } from '../kind';

export const BODY_LIMIT = 1024 * 1024;
const CHAT = '/v1/chat/completions';

/** A small valid chat request; the served model answers it in a couple of tokens. */
export const chat = (ctx: FuzzContext, extra: Record<string, unknown> = {}) => ({
	model: ctx.model,
	messages: [{ role: 'user', content: 'Hi' }],
	max_tokens: 2,
	...extra
});

const json = (ctx: FuzzContext, extra?: Record<string, unknown>) => JSON.stringify(chat(ctx, extra));
const post = (ctx: FuzzContext, body: Buffer | string, headers: Record<string, string | undefined> = { 'Content-Type': 'application/json' }) =>
	ctx.request({ method: 'POST', path: ctx.pick([CHAT, CHAT, '/v1/completions', '/v1/embeddings']), headers, body });

export const encodingKinds: Kind[] = [
	{
		name: 'json-malformed',
		group: 'body',
		run: (ctx) =>
			post(ctx, ctx.pick(['{"model": "x", ', '{model: "x"}', "{'model': 'x'}", '{"model":"x",}', '{"a":1}}', '{"a":01}', '{"a":.5}', '{"a":"\\x41"}', '{"a":tru}', '{]'])).then(() => undefined)
	},
	{
		name: 'json-truncated',
		group: 'body',
		run: async (ctx) => {
			const text = json(ctx);
			await post(ctx, text.slice(0, 1 + Math.floor(ctx.rng() * (text.length - 1))));
		}
	},
	{ name: 'body-empty', group: 'body', run: async (ctx) => void (await post(ctx, '')) },
	{ name: 'body-whitespace', group: 'body', run: async (ctx) => void (await post(ctx, ctx.pick([' ', '\n\n', '\t \r\n', '\u00a0']))) },
	{
		name: 'content-type-wrong',
		group: 'body',
		run: async (ctx) => {
			const type = ctx.pick(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/json; charset=latin1', '*/*', ';;;']);
			await post(ctx, json(ctx), { 'Content-Type': type });
		}
	},
	{ name: 'content-type-missing', group: 'body', run: async (ctx) => void (await post(ctx, json(ctx), {})) },
	{ name: 'top-level-array', group: 'body', run: async (ctx) => void (await post(ctx, ctx.pick(['[]', `[${json(ctx)}]`, '[[[]]]']))) },
	{ name: 'top-level-string', group: 'body', run: async (ctx) => void (await post(ctx, ctx.pick(['"hello"', '""', JSON.stringify(json(ctx))]))) },
	{ name: 'top-level-number', group: 'body', run: async (ctx) => void (await post(ctx, ctx.pick(['42', '-1', '0', '1e308', '1e400', '-0', '3.14']))) },
	{ name: 'top-level-null-or-bool', group: 'body', run: async (ctx) => void (await post(ctx, ctx.pick(['null', 'true', 'false']))) },
	{
		name: 'duplicate-keys',
		group: 'body',
		run: async (ctx) => {
			const body = ctx.pick([
				`{"model":"nope","model":${JSON.stringify(ctx.model)},"messages":[{"role":"user","content":"Hi"}],"max_tokens":2}`,
				`{"model":${JSON.stringify(ctx.model)},"messages":[{"role":"user","content":"Hi"}],"messages":"x","max_tokens":2}`,
				`{"model":${JSON.stringify(ctx.model)},"max_tokens":-1,"max_tokens":2,"messages":[{"role":"user","role":"wizard","content":"Hi"}]}`
			]);
			await post(ctx, body);
		}
	},
	{ name: 'bom', group: 'body', run: async (ctx) => void (await post(ctx, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(json(ctx))]))) },
	{
		name: 'invalid-utf8',
		group: 'body',
		run: async (ctx) => {
			const [head, tail] = json(ctx, { messages: [{ role: 'user', content: 'SPLIT' }] }).split('SPLIT');
			const junk = Buffer.from(ctx.pick([[0xff, 0xfe], [0xc3, 0x28], [0xe2, 0x28, 0xa1], [0xf0, 0x90, 0x28, 0xbc], [0xc0, 0xaf], [0xed, 0xa0, 0x80]]));
			await post(ctx, Buffer.concat([Buffer.from(head), junk, Buffer.from(tail)]));
		}
	},
	{
		name: 'utf16-body',
		group: 'body',
		run: async (ctx) => {
			const text = json(ctx);
			const body = ctx.pick([Buffer.from(text, 'utf16le'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]), Buffer.from(text, 'utf16le').swap16()]);
			await post(ctx, body, { 'Content-Type': 'application/json; charset=utf-16' });
		}
	},
	{
		name: 'content-encoding-claim',
		group: 'body',
		run: async (ctx) => {
			const encoding = ctx.pick(['gzip', 'deflate', 'br', 'x-unknown', 'gzip, gzip']);
			const body = ctx.rng() < 0.5 ? gzipSync(json(ctx)) : Buffer.from(json(ctx));
			await post(ctx, body, { 'Content-Type': 'application/json', 'Content-Encoding': encoding });
		}
	},
	{
		name: 'null-bytes-and-controls',
		group: 'body',
		run: async (ctx) => void (await post(ctx, json(ctx, { messages: [{ role: 'user', content: ctx.pick(['a\u0000b', '\u0000', '\u001b[31mred', '\u0007\u0008\u000b\u000c', '\r\n\r\n']) }] })))
	},
	{
		name: 'lone-surrogates',
		group: 'body',
		run: async (ctx) => {
			const [head, tail] = json(ctx, { messages: [{ role: 'user', content: 'SPLIT' }] }).split('SPLIT');
			await post(ctx, head + ctx.pick(['\\ud800', '\\udfff', 'a\\ud83d', '\\ud83d\\ud83d\\ude00', '\\u0000\\ud800']) + tail);
		}
	},
	{
		name: 'deep-nesting',
		group: 'body',
		run: async (ctx) => {
			const depth = ctx.pick([1_000, 10_000, 100_000]);
			const nested = '['.repeat(depth) + ']'.repeat(depth);
			const where = ctx.pick(['top', 'content', 'extra']);
			const body = where === 'top' ? nested : where === 'content' ? json(ctx).replace('"Hi"', nested) : json(ctx).replace('{', `{"extra":${nested},`);
			await post(ctx, body);
		}
	},
	{
		name: 'many-unknown-keys',
		group: 'body',
		run: async (ctx) => {
			const extra: Record<string, number> = {};
			for (let i = 0; i < 5_000; i++) extra[`k${i}`] = i;
			await post(ctx, json(ctx, { ...extra, ['__proto__']: { polluted: true }, constructor: { prototype: { polluted: true } } }));
		}
	},
	{
		name: 'body-just-under-limit',
		group: 'body',
		perThousand: 20,
		run: async (ctx) => {
			const base = JSON.stringify({ model: 'no-such-model', messages: [{ role: 'user', content: 'Hi' }], padding: '' });
			await post(ctx, base.replace('"padding":""', `"padding":"${'p'.repeat(BODY_LIMIT - base.length - 1 - Math.floor(ctx.rng() * 64))}"`));
		}
	},
	{
		name: 'body-just-over-limit',
		group: 'body',
		perThousand: 20,
		run: async (ctx) => {
			const base = JSON.stringify({ model: ctx.model, messages: [{ role: 'user', content: '' }] });
			const body = base.replace('"content":""', `"content":"${'o'.repeat(BODY_LIMIT - base.length + 1 + Math.floor(ctx.rng() * 64))}"`);
			const res = await post(ctx, body);
			if (res && res.status !== 413) ctx.problem(`a body over the limit got ${res.status}, not 413`);
		}
	},
	{
		name: 'body-10mb',
		group: 'body',
		perThousand: 4,
		run: async (ctx) => {
			const res = await ctx.request({ method: 'POST', path: CHAT, headers: { 'Content-Type': 'application/json' }, body: Buffer.alloc(10 * 1024 * 1024, 0x61), deadlineMs: 30_000 });
			if (res && res.status !== 413) ctx.problem(`a 10 MB body got ${res.status}, not 413`);
		}
	},
	{
		name: 'body-chunked-over-limit',
		group: 'body',
		perThousand: 10,
		run: async (ctx) => {
			const piece = Buffer.alloc(256 * 1024, 0x62);
			const chunk = Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]);
			const head = `POST ${CHAT} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`;
			const ex = await ctx.raw({ parts: [head, ...Array.from({ length: 6 }, () => chunk), '0\r\n\r\n'], deadlineMs: 15_000 });
			if (ex.responses[0] && ex.responses[0].status !== 413) ctx.problem(`a chunked body over the limit got ${ex.responses[0].status}, not 413`);
		}
	}
];
