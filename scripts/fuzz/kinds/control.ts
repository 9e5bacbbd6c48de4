// Fuzz kinds on the control plane and on live generation: worker registration (no secret, wrong
// secret, claims on the served model, malformed), heartbeats, votes and battles, streams the client
// abandons, and ordinary requests that must keep being served throughout.
import { randomUUID } from 'node:crypto';
import type { FuzzContext, Kind } from '../kind';
import { chat } from './encodings';

const registration = (ctx: FuzzContext, extra: Record<string, unknown> = {}) => ({
	worker_id: `fuzz-${Math.floor(ctx.rng() * 1e9)}`,
	url: 'http://127.0.0.1:9/v1',
	models: [{ id: ctx.model, capabilities: ['chat', 'completions'] }],
	speed: 1e9,
	max_concurrency: 1,
	queue_length: 0,
	backend: 'fuzz',
	...extra
});

const bearer = (secret: string) => ({ Authorization: `Bearer ${secret}` });

/** Registration attempts that must be refused with 401 (they would hijack the served model). */
async function mustBeRefused(ctx: FuzzContext, headers: Record<string, string>, body: unknown, what: string) {
	const res = await ctx.request({ method: 'POST', path: '/workers/register', headers, body: body as object });
	if (res && res.status !== 401) ctx.problem(`${what} got ${res.status}, not 401`);
}

const vote = (battleId: string, winner: unknown, extra: Record<string, unknown> = {}) => ({
	battle_id: battleId,
	model_a: 'fuzz-model-a',
	model_b: 'fuzz-model-b',
	winner,
	anony: true,
	tstamp: 1_700_000_000,
	turn: 1,
	...extra
});

export const controlKinds: Kind[] = [
	{ name: 'register-no-secret', group: 'worker', run: (ctx) => mustBeRefused(ctx, {}, registration(ctx), 'a registration without the secret') },
	{ name: 'register-wrong-secret', group: 'worker', run: (ctx) => mustBeRefused(ctx, bearer(ctx.pick(['wrong', ctx.secret.slice(0, -1), `${ctx.secret}x`, ctx.secret.toUpperCase()])), registration(ctx), 'a registration with a wrong secret') },
	{
		name: 'register-claim-existing',
		group: 'worker',
		run: (ctx) => mustBeRefused(ctx, ctx.rng() < 0.5 ? {} : bearer('guess'), registration(ctx, { worker_id: `lumen-serve:${ctx.model}` }), 'a claim on the served worker id')
	},
	{
		name: 'register-huge-model-list',
		group: 'worker',
		run: async (ctx) => {
			const models = Array.from({ length: ctx.pick([1_000, 20_000]) }, (_, i) => ({ id: `m${i}`, capabilities: ['chat'] }));
			const res = await ctx.request({ method: 'POST', path: '/workers/register', body: registration(ctx, { models }) });
			if (res && res.status !== 401 && res.status !== 413) ctx.problem(`a huge registration without the secret got ${res.status}`);
		}
	},
	{
		name: 'register-malformed-with-secret',
		group: 'worker',
		run: async (ctx) => {
			const body = ctx.pick<unknown>([{}, [], 'x', registration(ctx, { worker_id: '' }), registration(ctx, { worker_id: 'w'.repeat(300) }), registration(ctx, { models: [] }), registration(ctx, { speed: -1 }), registration(ctx, { models: [{ id: '' }] }), registration(ctx, { max_concurrency: 0 })]);
			const res = await ctx.request({ method: 'POST', path: '/workers/register', headers: bearer(ctx.secret), body: body as object });
			if (res && res.status !== 400) ctx.problem(`a malformed registration got ${res.status}, not 400`);
		}
	},
	{
		name: 'register-bad-url-with-secret',
		group: 'worker',
		run: async (ctx) => {
			const id = `fuzz-url-${Math.floor(ctx.rng() * 1e9)}`;
			const url = ctx.pick(['javascript:alert(1)', 'ftp://127.0.0.1/v1', 'not a url', 'http://', 'file:///etc/passwd', 'data:text/plain,x', `http://${'a'.repeat(300)}`]);
			const res = await ctx.request({ method: 'POST', path: '/workers/register', headers: bearer(ctx.secret), body: registration(ctx, { worker_id: id, url, models: [{ id: 'fuzz-only-model' }] }) });
			if (res && res.status === 200) {
				await ctx.request({ method: 'POST', path: '/workers/deregister', headers: bearer(ctx.secret), body: { worker_id: id } });
				if (!/^https?:\/\/[^/]/.test(url)) ctx.problem(`a worker registered with the URL ${JSON.stringify(url)}`);
			}
		}
	},
	{
		name: 'heartbeat-unknown',
		group: 'worker',
		run: async (ctx) => {
			const withSecret = ctx.rng() < 0.5;
			const res = await ctx.request({ method: 'POST', path: '/workers/heartbeat', headers: withSecret ? bearer(ctx.secret) : {}, body: { worker_id: `ghost-${Math.floor(ctx.rng() * 1e9)}`, queue_length: ctx.pick([0, -1, 1e12, 'x']) } });
			if (res && !withSecret && res.status !== 401) ctx.problem(`a heartbeat without the secret got ${res.status}, not 401`);
		}
	},
	{
		name: 'deregister-without-secret',
		group: 'worker',
		run: (ctx) =>
			ctx.request({ method: 'POST', path: '/workers/deregister', body: { worker_id: `lumen-serve:${ctx.model}` } }).then((res) => {
				if (res && res.status !== 401) ctx.problem(`deregistering the served worker without the secret got ${res.status}, not 401`);
			})
	},
	{ name: 'vote-forged-battle', group: 'arena', run: async (ctx) => void (await ctx.request({ method: 'POST', path: '/api/arena/votes', body: vote(randomUUID(), ctx.pick(['model_a', 'model_b', 'tie'])) })) },
	{
		name: 'vote-twice-different-winners',
		group: 'arena',
		run: async (ctx) => {
			// Votes need a battle id the coordinator issued (a local pair here, so no worker is needed).
			const issued = await ctx.request({ method: 'POST', path: '/api/arena/battles', body: { local: true, model_a: 'fuzz-model-a', model_b: 'fuzz-model-b' } });
			if (!issued || issued.status !== 200) return; // rate-limited or cut off: nothing to vote on
			const id = (JSON.parse(issued.body.toString('utf8')) as { battle_id: string }).battle_id;
			const first = await ctx.request({ method: 'POST', path: '/api/arena/votes', body: vote(id, 'model_a') });
			if (!first || first.status !== 200) return; // the voter's per-minute or daily cap
			const second = await ctx.request({ method: 'POST', path: '/api/arena/votes', body: vote(id, 'model_b') });
			if (second && second.status !== 409 && second.status !== 429) ctx.problem(`a second, different vote on one battle got ${second.status}, not 409`);
		}
	},
	{ name: 'vote-invalid-winner', group: 'arena', run: async (ctx) => void (await ctx.request({ method: 'POST', path: '/api/arena/votes', body: vote(randomUUID(), ctx.pick(['model_c', '', null, 'tie (bothbad) ', 1, ['model_a']])) })) },
	{
		name: 'vote-huge-fields',
		group: 'arena',
		run: async (ctx) => {
			const extra = ctx.pick<Record<string, unknown>>([{ battle_id: 'b'.repeat(1_000) }, { model_a: 'a'.repeat(100_000) }, { turn: 1e12 }, { turn: 0 }, { tstamp: 'now' }, { anony: 'yes' }]);
			await ctx.request({ method: 'POST', path: '/api/arena/votes', body: { ...vote(randomUUID(), 'tie'), ...extra } });
		}
	},
	{
		name: 'battle-unknown-models',
		group: 'arena',
		run: async (ctx) =>
			void (await ctx.request({ method: 'POST', path: '/api/arena/battles', body: ctx.pick<object>([{ model_a: 'x', model_b: 'y' }, { models: ['a', 'b'] }, { model_a: ctx.model, model_b: ctx.model }, { model_a: ctx.model }, {}, { models: [] }]) }))
	},
	{ name: 'arena-reads', group: 'arena', run: async (ctx) => void (await ctx.request({ path: ctx.pick(['/api/arena/leaderboard', '/api/arena/leaderboard?bootstrap=0', '/api/arena/battles.jsonl', '/api/arena/battles.jsonl?clean=1']) })) },
	{
		name: 'arena-hostile-queries',
		group: 'arena',
		run: async (ctx) =>
			void (await ctx.request({
				path: ctx.pick([
					'/api/arena/leaderboard?style_control=yes',
					'/api/arena/leaderboard?category=%00%FF',
					`/api/arena/leaderboard?category=${'x'.repeat(5_000)}`,
					`/api/arena/leaderboard?bootstrap=0&exclude_models=${','.repeat(20_000)}`,
					'/api/arena/leaderboard?bootstrap=0&style_control=1&category=coding&exclude_ties=1',
					'/api/arena/leaderboard?bootstrap=1e9',
					'/api/arena/battles.jsonl?clean=maybe'
				])
			}))
	},
	{
		name: 'vote-hostile-conversation',
		group: 'arena',
		run: async (ctx) => {
			const turn = (role: unknown, content: unknown) => ({ role, content });
			const side = ctx.pick<unknown>([
				[turn('user', 'hi'), turn('assistant', 'x'.repeat(200_000))],
				Array.from({ length: 500 }, () => turn('user', 'spam')),
				[turn('system', 'you are'), turn('user', 'hi')],
				[turn('user', 42)],
				'not a list',
				[]
			]);
			await ctx.request({ method: 'POST', path: '/api/arena/votes', body: { ...vote(randomUUID(), 'tie'), conversation_a: side, ...(ctx.rng() < 0.5 ? { conversation_b: side } : {}) } });
		}
	},
	{
		name: 'stream-abandon-mid',
		group: 'stream',
		perThousand: 30,
		run: async (ctx) => void (await ctx.request({ method: 'POST', path: '/v1/chat/completions', body: chat(ctx, { max_tokens: 64, stream: true }), abandonAfterBodyBytes: 1 + Math.floor(ctx.rng() * 400), deadlineMs: 60_000 }))
	},
	{
		name: 'stream-abandon-before-answer',
		group: 'stream',
		perThousand: 30,
		run: async (ctx) => void (await ctx.request({ method: 'POST', path: '/v1/chat/completions', body: chat(ctx, { max_tokens: 32, stream: ctx.rng() < 0.5 }), expect: 'any', abandonAfterMs: Math.floor(ctx.rng() * 20), deadlineMs: 5_000 }))
	},
	{
		name: 'ordinary-chat',
		group: 'control',
		weight: 3,
		perThousand: 60,
		run: async (ctx) => {
			const res = await ctx.request({ method: 'POST', path: '/v1/chat/completions', body: chat(ctx), deadlineMs: 60_000 });
			if (res && (res.status !== 200 || !res.body.toString().includes('"choices"'))) ctx.problem(`an ordinary chat request got ${res.status}`);
		}
	},
	{
		name: 'ordinary-stream',
		group: 'control',
		weight: 2,
		perThousand: 40,
		run: async (ctx) => {
			// Each endpoint gets its own input: a local model refuses fields it does not know (prompt in a chat).
			const path = ctx.pick(['/v1/chat/completions', '/v1/completions']);
			const body = path === '/v1/completions' ? { model: ctx.model, prompt: 'Hi', max_tokens: 2, stream: true } : chat(ctx, { stream: true });
			const res = await ctx.request({ method: 'POST', path, body, deadlineMs: 60_000 });
			if (res && (res.status !== 200 || !res.body.toString().includes('data: [DONE]'))) ctx.problem(`an ordinary streamed request got ${res.status}${res.status === 200 ? ' without [DONE]' : ''}`);
		}
	},
	{
		name: 'ordinary-models',
		group: 'control',
		run: async (ctx) => {
			const res = await ctx.request({ path: '/v1/models' });
			if (res && (res.status !== 200 || !res.body.toString().includes(`"${ctx.model}"`))) ctx.problem(`GET /v1/models got ${res.status} or lost ${ctx.model}`);
		}
	}
];
