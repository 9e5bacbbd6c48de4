// Fuzz kinds on a raw socket: garbage and odd request lines, HTTP/0.9 and 1.0, pipelining, requests
// cut off half-way, slowloris-style partial headers (bounded in time), smuggling attempts, CONNECT.
import type { Kind } from '../kind';

const MODELS = 'GET /v1/models HTTP/1.1\r\nHost: x\r\n\r\n';

export const rawKinds: Kind[] = [
	{
		name: 'raw-garbage',
		group: 'raw',
		run: async (ctx) => {
			const bytes = Buffer.from(Array.from({ length: 1 + Math.floor(ctx.rng() * 512) }, () => Math.floor(ctx.rng() * 256)));
			// Random bytes rarely finish a request line: the server may wait; we hang up after a moment.
			await ctx.raw({ parts: [bytes, '\r\n\r\n'], expect: 'any', deadlineMs: 5_000, abandonAfterMs: 500 });
		}
	},
	{
		name: 'raw-request-line',
		group: 'raw',
		run: async (ctx) =>
			void (await ctx.raw({
				parts: [ctx.pick(['GET / HTTP/9.9\r\n\r\n', ' / HTTP/1.1\r\n\r\n', 'GET  /  HTTP/1.1\r\n\r\n', 'GET / HTTP/1.1 extra\r\nHost: x\r\n\r\n', 'GET\r\n\r\n', '\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n', 'GET /\u0000 HTTP/1.1\r\n\r\n', 'GET / HTTP/1.1\rHost: x\r\n\r\n'])],
				deadlineMs: 10_000
			}))
	},
	{ name: 'raw-http09', group: 'raw', run: async (ctx) => void (await ctx.raw({ parts: [ctx.pick(['GET /\r\n\r\n', 'GET /package.json\r\n\r\n', 'GET /v1/models\r\n\r\n'])], deadlineMs: 10_000 })) },
	{
		name: 'raw-http10',
		group: 'raw',
		run: async (ctx) => void (await ctx.raw({ parts: [ctx.pick(['GET /v1/models HTTP/1.0\r\n\r\n', 'GET /v1/models HTTP/1.0\r\nHost: x\r\nConnection: keep-alive\r\n\r\n', 'POST /v1/chat/completions HTTP/1.0\r\n\r\n'])], deadlineMs: 10_000 }))
	},
	{ name: 'raw-http2-preface', group: 'raw', run: async (ctx) => void (await ctx.raw({ parts: ['PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'], deadlineMs: 10_000 })) },
	{
		name: 'raw-pipelined',
		group: 'raw',
		run: async (ctx) => {
			const n = 2 + Math.floor(ctx.rng() * 3);
			const bad = ctx.rng() < 0.5;
			const ex = await ctx.raw({ parts: [MODELS.repeat(n) + (bad ? 'GARBAGE\r\n\r\n' : '')], responses: n + (bad ? 1 : 0), deadlineMs: 10_000 });
			if (ex.responses.slice(0, n).some((r) => r.status !== 200)) ctx.problem('a pipelined GET /v1/models was not answered 200 in order');
		}
	},
	{
		name: 'raw-half-sent-then-close',
		group: 'raw',
		run: async (ctx) =>
			void (await ctx.raw({ parts: [ctx.pick(['GET /v1/mod', 'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Le', 'GET / HTTP/1.1\r\nHost: x\r\n'])], expect: 'any', deadlineMs: 5_000, abandonAfterMs: 10 }))
	},
	{
		name: 'raw-slowloris',
		group: 'raw',
		perThousand: 8,
		run: async (ctx) => {
			// Partial headers trickling in, bounded in time: the server must stay responsive meanwhile.
			const parts: (string | number)[] = ['GET /v1/models HTTP/1.1\r\nHost: x\r\n'];
			for (let i = 0; i < 8; i++) parts.push(200, `X-Slow-${i}: ${i}\r\n`);
			await ctx.raw({ parts, expect: 'any', deadlineMs: 5_000, abandonAfterMs: 100 });
		}
	},
	{
		name: 'raw-smuggling',
		group: 'raw',
		run: async (ctx) => {
			const smuggled = 'GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n';
			const request = ctx.pick([
				`POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${smuggled}`,
				`POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 40\r\n\r\n0\r\n\r\n${smuggled}`,
				`POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: ${smuggled.length}\r\n\r\n${smuggled}`,
				`POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n${smuggled}`,
				`POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\n${smuggled}`
			]);
			const ex = await ctx.raw({ parts: [request], responses: 0, awaitClose: true, deadlineMs: 5_000 });
			// An ambiguous request is refused whole: a second answer means the smuggled request got through.
			if (ex.responses.length > 1) ctx.problem(`a smuggled request was answered (${ex.responses.map((r) => r.status).join(', ')})`);
		}
	},
	{
		name: 'raw-lf-only',
		group: 'raw',
		run: async (ctx) => void (await ctx.raw({ parts: [ctx.pick(['GET /v1/models HTTP/1.1\nHost: x\n\n', 'GET /v1/models HTTP/1.1\r\nHost: x\n\r\n'])], deadlineMs: 10_000, abandonAfterMs: 2_000 }))
	},
	{
		name: 'raw-header-syntax',
		group: 'raw',
		run: async (ctx) =>
			void (await ctx.raw({ parts: [`GET /v1/models HTTP/1.1\r\nHost: x\r\n${ctx.pick(['X A: b', ': b', 'X-A b', 'X-A: b\r\n c', 'X-A:\u0000', 'X-\u00ff: b', 'X-A: b\rc'])}\r\n\r\n`], deadlineMs: 10_000, abandonAfterMs: 2_000 }))
	},
	{ name: 'raw-connect', group: 'raw', run: async (ctx) => void (await ctx.raw({ parts: [ctx.pick(['CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n', 'CONNECT 127.0.0.1:22 HTTP/1.1\r\n\r\n'])], deadlineMs: 10_000 })) },
	{
		name: 'raw-absolute-uri',
		group: 'raw',
		run: async (ctx) =>
			void (await ctx.raw({ parts: [`GET ${ctx.pick(['http://evil.example/v1/models', 'http://127.0.0.1/../package.json', 'https://x/%2e%2e/package.json', 'file:///etc/passwd', 'http://[::1/'])} HTTP/1.1\r\nHost: x\r\n\r\n`], deadlineMs: 10_000 }))
	},
	{ name: 'raw-asterisk', group: 'raw', run: async (ctx) => void (await ctx.raw({ parts: [`${ctx.pick(['OPTIONS', 'GET'])} * HTTP/1.1\r\nHost: x\r\n\r\n`], deadlineMs: 10_000 })) },
	{
		name: 'raw-expect-continue-no-body',
		group: 'raw',
		run: async (ctx) =>
			void (await ctx.raw({ parts: ['POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: 50\r\n\r\n'], expect: 'any', deadlineMs: 5_000, abandonAfterMs: 300 }))
	}
];
