// Fuzz kinds about the HTTP envelope: every method on every route, hostile paths (traversal, encoded
// traversal, NUL bytes, files outside the web app), odd queries, and bad or oversized headers.
import type { FuzzContext, Kind } from '../kind';

export const ROUTES = [
	'/v1/models',
	'/v1/chat/completions',
	'/v1/completions',
	'/v1/embeddings',
	'/workers',
	'/workers/register',
	'/workers/heartbeat',
	'/workers/deregister',
	'/api/arena/battles',
	'/api/arena/votes',
	'/api/arena/leaderboard',
	'/api/arena/battles.jsonl',
	'/'
];

/** Files that exist in the project but outside the web app; none may ever be served. */
const OUTSIDE = ['package.json', '.gitignore', 'bin/lumen.js', 'README.md', 'coordinator/server.ts', '.git/config', 'node_modules/hono/package.json', 'data/lumen.db', '.env'];

const get = (ctx: FuzzContext, path: string) => ctx.request({ method: 'GET', path });

export const httpKinds: Kind[] = [
	{
		name: 'method-put-delete-patch',
		group: 'method',
		run: async (ctx) => void (await ctx.request({ method: ctx.pick(['PUT', 'DELETE', 'PATCH']), path: ctx.pick(ROUTES), body: { model: ctx.model } }))
	},
	{
		name: 'method-options',
		group: 'method',
		run: async (ctx) =>
			void (await ctx.request({
				method: 'OPTIONS',
				path: ctx.pick(ROUTES),
				headers: ctx.pick([{}, { Origin: 'http://evil.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization, x-evil' }, { Origin: 'null' }])
			}))
	},
	{
		name: 'method-head',
		group: 'method',
		run: async (ctx) => {
			const path = ctx.pick([...ROUTES, '/missing.js', '/../package.json']);
			await ctx.raw({ parts: [`HEAD ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`], head: true, deadlineMs: 10_000 });
		}
	},
	{ name: 'method-trace', group: 'method', run: async (ctx) => void (await ctx.request({ method: 'TRACE', path: ctx.pick(ROUTES), headers: { Cookie: 'secret=1' } })) },
	{
		name: 'method-unknown',
		group: 'method',
		run: async (ctx) => void (await ctx.raw({ parts: [`${ctx.pick(['FOO', 'PROPFIND', 'get', 'M-SEARCH', 'PURGE', 'BREW', 'GETT'])} ${ctx.pick(ROUTES)} HTTP/1.1\r\nHost: x\r\n\r\n`], deadlineMs: 10_000 }))
	},
	{
		name: 'path-unknown',
		group: 'path',
		run: async (ctx) => {
			const n = Math.floor(ctx.rng() * 1e6);
			await ctx.request({ method: ctx.pick(['GET', 'POST']), path: ctx.pick([`/v1/x${n}`, `/v2/models`, `/api/${n}`, `/workers/${n}`, `/api/arena/${n}`, `/v1/chat/completions/${n}`, `/v1/models/${n}`]), body: ctx.rng() < 0.5 ? {} : undefined });
		}
	},
	{
		name: 'path-traversal',
		group: 'path',
		run: async (ctx) => void (await get(ctx, ctx.pick(['/../', '/../../', '/static/../../', '/v1/../', '/_app/../../', '/a/b/../../../']) + ctx.pick(OUTSIDE)))
	},
	{
		name: 'path-encoded-traversal',
		group: 'path',
		run: async (ctx) => void (await get(ctx, ctx.pick(['/%2e%2e/', '/..%2f', '/%2e%2e%2f', '/..%5c', '/%252e%252e/', '/.%2e/', '/%c0%ae%c0%ae/', '/..%2f..%2f', '/%2E%2E/']) + ctx.pick(OUTSIDE)))
	},
	{
		name: 'path-secret-file',
		group: 'path',
		run: async (ctx) => {
			const up = ctx.pick(['../', '%2e%2e/', '..%2f', '%2e%2e%2f']).repeat(12);
			await get(ctx, `/${up}${ctx.secretFile.replace(/^\//, '')}`);
		}
	},
	{ name: 'path-double-slash', group: 'path', run: async (ctx) => void (await get(ctx, ctx.pick(['//package.json', '//v1//models', '///etc/passwd', '/v1//chat/completions', '//', '//../package.json']))) },
	{ name: 'path-null-byte', group: 'path', run: async (ctx) => void (await get(ctx, ctx.pick(['/v1/models%00', '/%00', '/index.html%00.js', '/package.json%00.html', '/%00../package.json']))) },
	{ name: 'path-outside-app', group: 'path', run: async (ctx) => void (await get(ctx, `/${ctx.pick(OUTSIDE)}`)) },
	{
		name: 'path-very-long',
		group: 'path',
		run: async (ctx) => {
			const length = ctx.pick([8_000, 15_000, 60_000, 200_000]);
			await ctx.raw({ parts: [`GET /v1/${'a'.repeat(length)} HTTP/1.1\r\nHost: x\r\n\r\n`], deadlineMs: 10_000 });
		}
	},
	{
		name: 'path-unicode',
		group: 'path',
		run: async (ctx) => void (await ctx.raw({ parts: [Buffer.concat([Buffer.from('GET /'), Buffer.from(ctx.pick(['modèls', '😀', '\u202e', 'v1/m\u00f6dels'])), Buffer.from(' HTTP/1.1\r\nHost: x\r\n\r\n')])], deadlineMs: 10_000 }))
	},
	{
		name: 'query-garbage',
		group: 'path',
		run: async (ctx) =>
			void (await get(ctx, ctx.pick(['/v1/models?%zz', '/v1/models?a[]=1&a[]=2', '/api/arena/leaderboard?bootstrap=1e9', '/api/arena/leaderboard?bootstrap=-1', '/api/arena/leaderboard?bootstrap=abc', '/api/arena/leaderboard?bootstrap=5&bootstrap=7', '/?%', '/v1/models?' + 'q=1&'.repeat(2000)])))
	},
	{
		name: 'header-oversized',
		group: 'header',
		run: async (ctx) => void (await ctx.raw({ parts: [`GET ${ctx.pick(ROUTES)} HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(ctx.pick([17_000, 40_000, 100_000]))}\r\n\r\n`], deadlineMs: 10_000 }))
	},
	{
		name: 'header-many',
		group: 'header',
		run: async (ctx) => {
			const count = ctx.pick([100, 2_000, 5_000]);
			const headers = Array.from({ length: count }, (_, i) => `X-H${i}: v`).join('\r\n');
			await ctx.raw({ parts: [`GET /v1/models HTTP/1.1\r\nHost: x\r\n${headers}\r\n\r\n`], deadlineMs: 10_000 });
		}
	},
	{
		name: 'authorization-malformed',
		group: 'header',
		run: async (ctx) => {
			const auth = ctx.pick(['Bearer', 'Bearer ', 'Basic Zm9vOmJhcg==', `Bearer ${'x'.repeat(8_000)}`, 'bearer\tx', 'Bearer \u00fc\u00ff', 'Bearer a b c', 'Token x', '']);
			await ctx.request({ method: ctx.pick(['GET', 'POST']), path: ctx.pick(['/workers', '/workers/register', '/v1/models', '/api/arena/votes']), headers: { Authorization: auth }, body: ctx.rng() < 0.5 ? {} : undefined });
		}
	},
	{
		name: 'content-length-bad',
		group: 'header',
		run: async (ctx) => {
			const cl = ctx.pick(['abc', '-1', '1, 2', '99999999999999999999', '0x10', '+5', '5\r\nContent-Length: 6']);
			await ctx.raw({ parts: [`POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${cl}\r\n\r\n{}`], deadlineMs: 10_000, abandonAfterMs: 2_000 });
		}
	},
	{
		name: 'content-length-short-body',
		group: 'header',
		weight: 0.5,
		run: async (ctx) =>
			void (await ctx.raw({ parts: [`POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"model":`], expect: 'any', deadlineMs: 10_000, abandonAfterMs: 300 }))
	},
	{
		name: 'content-length-long-body',
		group: 'header',
		run: async (ctx) => {
			const body = JSON.stringify({ model: 'no-such-model', messages: [{ role: 'user', content: 'Hi' }] });
			const cut = 1 + Math.floor(ctx.rng() * (body.length - 1));
			await ctx.raw({ parts: [`POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${cut}\r\n\r\n${body}\r\n\r\n`], responses: 0, awaitClose: true, deadlineMs: 10_000 });
		}
	},
	{
		name: 'chunked-bad',
		group: 'header',
		run: async (ctx) => {
			const body = ctx.pick(['zz\r\nabc\r\n0\r\n\r\n', '-1\r\nabc\r\n0\r\n\r\n', 'ffffffffffffffffff\r\nabc\r\n', '3\r\nabcdef\r\n0\r\n\r\n', '3;' + 'x'.repeat(20_000) + '\r\nabc\r\n0\r\n\r\n', '2\r\n{}0\r\n\r\n', '0\r\nX-Trailer: ' + 'y'.repeat(20_000) + '\r\n\r\n']);
			await ctx.raw({ parts: [`POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${body}`], deadlineMs: 10_000, abandonAfterMs: 2_000 });
		}
	},
	{
		name: 'transfer-encoding-odd',
		group: 'header',
		run: async (ctx) => {
			const te = ctx.pick(['xchunked', 'chunked, identity', 'gzip, chunked', ' chunked', 'identity', 'chunked\r\nTransfer-Encoding: chunked', 'CHUNKED']);
			await ctx.raw({ parts: [`POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: ${te}\r\n\r\n2\r\n{}\r\n0\r\n\r\n`], deadlineMs: 10_000, abandonAfterMs: 2_000 });
		}
	},
	{
		name: 'host-header-odd',
		group: 'header',
		run: async (ctx) => {
			const host = ctx.pick(['', 'evil.example', '[::1', 'a'.repeat(1_000), 'x\r\nHost: y', '127.0.0.1:99999', '../../']);
			await ctx.raw({ parts: [`GET /v1/models HTTP/1.1\r\nHost: ${host}\r\n\r\n`], deadlineMs: 10_000 });
		}
	},
	{
		name: 'upgrade-websocket',
		group: 'header',
		run: async (ctx) =>
			void (await ctx.request({ path: ctx.pick(ROUTES), headers: { Connection: 'Upgrade', Upgrade: ctx.pick(['websocket', 'h2c', 'TLS/1.0']), 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version': '13' } }))
	},
	{
		name: 'expect-odd',
		group: 'header',
		run: async (ctx) =>
			void (await ctx.request({ method: 'POST', path: '/v1/chat/completions', headers: { Expect: ctx.pick(['teapot', '100-continue, x', '200-ok', '']) }, body: { model: 'no-such-model', messages: [{ role: 'user', content: 'Hi' }] } }))
	},
	{
		name: 'accept-odd',
		group: 'header',
		run: async (ctx) =>
			void (await ctx.request({ path: ctx.pick(['/v1/models', '/', '/api/arena/leaderboard', '/missing.css']), headers: { Accept: ctx.pick(['text/event-stream', 'application/xml', '*/*;q=abc', '']), 'Accept-Encoding': ctx.pick(['gzip', 'br;q=2', 'x']), Range: ctx.pick(['bytes=0-1', 'bytes=999999-', 'bytes=-', 'lines=1-2']) } }))
	}
];
