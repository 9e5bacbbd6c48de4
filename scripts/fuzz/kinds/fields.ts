// Fuzz kinds about field values of the OpenAI requests: numbers out of range or of the wrong type,
// unknown models and roles, odd message shapes, and prompts or max_tokens beyond the model's context.
import type { FuzzContext, Kind } from '../kind';
import { chat } from './encodings';

const CHAT = '/v1/chat/completions';
const postChat = (ctx: FuzzContext, body: unknown, path = CHAT) => ctx.request({ method: 'POST', path, body: body as object });
/** JSON that JSON.stringify cannot write (1e400, NaN…): the value is spliced in as raw text. */
const withRaw = (ctx: FuzzContext, field: string, rawValue: string) => JSON.stringify(chat(ctx, { [field]: 'RAW' })).replace('"RAW"', rawValue);

const WRONG_VALUES: unknown[] = [null, true, 0, -1, 1.5, '', 'x', [], [1], {}, { a: 1 }, 'a'.repeat(10_000)];
const FIELDS = ['model', 'messages', 'max_tokens', 'temperature', 'top_p', 'stream', 'stop', 'n', 'seed', 'stream_options', 'user', 'presence_penalty', 'frequency_penalty'];

const numberKind = (name: string, field: string, values: unknown[]): Kind => ({
	name,
	group: 'body',
	run: async (ctx) => void (await postChat(ctx, chat(ctx, { [field]: ctx.pick(values) })))
});

export const fieldKinds: Kind[] = [
	{
		name: 'huge-numbers',
		group: 'body',
		run: async (ctx) => {
			const field = ctx.pick(['max_tokens', 'temperature', 'top_p', 'seed', 'n']);
			const value = ctx.pick(['1e400', '-1e400', '123456789012345678901234567890', '9007199254740993', '1e-400', '-0.0']);
			await ctx.request({ method: 'POST', path: CHAT, headers: { 'Content-Type': 'application/json' }, body: withRaw(ctx, field, value) });
		}
	},
	{
		name: 'nan-strings',
		group: 'body',
		run: async (ctx) => {
			const field = ctx.pick(['max_tokens', 'temperature', 'top_p', 'seed']);
			await postChat(ctx, chat(ctx, { [field]: ctx.pick(['NaN', 'Infinity', '-Infinity', '1e999', '0x10', ' 5 ', '5']) }));
		}
	},
	numberKind('max-tokens-negative', 'max_tokens', [-1, -100, -1e12, Number.MIN_SAFE_INTEGER]),
	numberKind('max-tokens-zero', 'max_tokens', [0, -0]),
	numberKind('max-tokens-fractional', 'max_tokens', [0.5, 1.5, 2.000001]),
	numberKind('temperature-out-of-range', 'temperature', [-1, -0.0001, 2.0001, 100, 1e9]),
	numberKind('top-p-out-of-range', 'top_p', [0, -0.5, 1.0001, 42]),
	numberKind('n-not-one', 'n', [0, 2, 100, -1]),
	numberKind('penalties-out-of-range', 'presence_penalty', [-3, 3, 1e6]),
	{
		name: 'wrong-type-field',
		group: 'body',
		run: async (ctx) => {
			const field = ctx.pick(FIELDS);
			const value = ctx.pick(WRONG_VALUES);
			if (ctx.rng() < 0.7) await postChat(ctx, chat(ctx, { [field]: value }));
			else await postChat(ctx, { model: ctx.model, prompt: 'Hi', max_tokens: 2, [field === 'messages' ? 'prompt' : field]: value }, '/v1/completions');
		}
	},
	{ name: 'field-missing', group: 'body', run: async (ctx) => void (await postChat(ctx, ctx.pick([{ model: ctx.model }, { messages: [{ role: 'user', content: 'Hi' }] }, {}]))) },
	{
		name: 'model-unknown',
		group: 'body',
		run: async (ctx) => void (await postChat(ctx, chat(ctx, { model: `no-such-model-${Math.floor(ctx.rng() * 1e6)}` })))
	},
	{
		name: 'model-weird',
		group: 'body',
		run: async (ctx) =>
			void (await postChat(ctx, chat(ctx, { model: ctx.pick(['', ' ', 'a'.repeat(10_000), '../../etc/passwd', '\u0000', '🙂', `${ctx.model} `, ctx.model.toUpperCase(), '__proto__', 'constructor']) })))
	},
	{ name: 'messages-empty', group: 'body', run: async (ctx) => void (await postChat(ctx, chat(ctx, { messages: [] }))) },
	{ name: 'messages-not-array', group: 'body', run: async (ctx) => void (await postChat(ctx, chat(ctx, { messages: ctx.pick([{}, 'Hi', null, 1, { 0: { role: 'user', content: 'Hi' } }]) }))) },
	{
		name: 'role-unknown',
		group: 'body',
		run: async (ctx) => void (await postChat(ctx, chat(ctx, { messages: [{ role: ctx.pick(['wizard', '', 'SYSTEM', 'tool', 'function', 'developer', null, 1]), content: 'Hi' }] })))
	},
	{ name: 'content-object', group: 'body', run: async (ctx) => void (await postChat(ctx, chat(ctx, { messages: [{ role: 'user', content: ctx.pick([{}, { text: 'Hi' }, { type: 'text', text: 'Hi' }]) }] }))) },
	{
		name: 'content-array',
		group: 'body',
		run: async (ctx) => void (await postChat(ctx, chat(ctx, { messages: [{ role: 'user', content: ctx.pick([[], [{ type: 'text', text: 'Hi' }], [1, 2], [{ type: 'image_url', image_url: { url: 'file:///etc/passwd' } }]]) }] })))
	},
	{ name: 'content-number-or-null', group: 'body', run: async (ctx) => void (await postChat(ctx, chat(ctx, { messages: [{ role: 'user', content: ctx.pick([0, 1e308, null, true]) }] }))) },
	{ name: 'message-fields-missing', group: 'body', run: async (ctx) => void (await postChat(ctx, chat(ctx, { messages: [ctx.pick([{}, { role: 'user' }, { content: 'Hi' }, null, 'Hi'])] }))) },
	{ name: 'stop-invalid', group: 'body', run: async (ctx) => void (await postChat(ctx, chat(ctx, { stop: ctx.pick([1, [1], Array(10).fill('x'), [''], {}, ['a'.repeat(100_000)]]) }))) },
	{
		name: 'stream-options-invalid',
		group: 'body',
		run: async (ctx) =>
			void (await postChat(ctx, chat(ctx, ctx.pick([{ stream: 'yes' }, { stream: 1 }, { stream: true, stream_options: 'x' }, { stream: true, stream_options: { include_usage: 'true' } }, { stream_options: null }]))))
	},
	{
		name: 'completions-bad',
		group: 'body',
		run: async (ctx) =>
			void (await postChat(ctx, ctx.pick([{ model: ctx.model }, { model: ctx.model, prompt: {} }, { model: ctx.model, prompt: [1, 2, 3] }, { model: ctx.model, prompt: null }, { model: ctx.model, prompt: 'Hi', echo: 'x', max_tokens: -5 }]), '/v1/completions'))
	},
	{
		name: 'embeddings-bad',
		group: 'body',
		run: async (ctx) =>
			void (await postChat(ctx, ctx.pick([{ model: ctx.model, input: 'Hi' }, { model: ctx.model }, { model: ctx.model, input: {} }, { model: 'no-such-model', input: ['a'] }, { input: 'x' }]), '/v1/embeddings'))
	},
	{
		name: 'long-string-500kb',
		group: 'body',
		perThousand: 3,
		run: async (ctx) => void (await ctx.request({ method: 'POST', path: CHAT, body: chat(ctx, { messages: [{ role: 'user', content: ctx.pick(['a', 'ab ', '🙂']).repeat(150_000) }] }), deadlineMs: 60_000 }))
	},
	{
		name: 'prompt-over-context',
		group: 'body',
		perThousand: 5,
		run: async (ctx) => {
			const stream = ctx.rng() < 0.5;
			const prompt = ctx.promptOfTokens(Math.ceil(ctx.contextLength * (1.05 + ctx.rng())));
			const res = await ctx.request({ method: 'POST', path: CHAT, body: chat(ctx, { messages: [{ role: 'user', content: prompt }], stream }), deadlineMs: 60_000 });
			// A stream may already have started when the worker finds out: then the error comes in-band.
			const refused = res?.status === 400 || (stream && res?.status === 200 && res.body.includes('"context_length_exceeded"'));
			if (res && !refused) ctx.problem(`a prompt beyond the model's context got ${res.status}, not 400 context_length_exceeded`);
		}
	},
	{
		name: 'max-tokens-1e12',
		group: 'body',
		perThousand: 10,
		run: async (ctx) => {
			// Accepted and streamed (max_tokens is an upper bound); we leave after the first bytes.
			await ctx.request({ method: 'POST', path: CHAT, body: chat(ctx, { max_tokens: 1e12, stream: true }), abandonAfterBodyBytes: 1, deadlineMs: 60_000 });
		}
	},
	{
		name: 'max-tokens-1e12-near-context',
		group: 'body',
		perThousand: 3,
		run: async (ctx) => {
			// Generation runs into the end of the context window within a few dozen tokens: it must end cleanly.
			const prompt = ctx.promptOfTokens(ctx.contextLength - 40);
			const res = await ctx.request({ method: 'POST', path: CHAT, body: chat(ctx, { messages: [{ role: 'user', content: prompt }], max_tokens: 1e12 }), deadlineMs: 60_000 });
			if (res && res.status !== 200 && res.status !== 400) ctx.problem(`max_tokens 1e12 near the end of the context got ${res.status}`);
		}
	}
];
