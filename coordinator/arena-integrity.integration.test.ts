// Arena integrity against a real coordinator process (configured through its environment): votes for
// battle ids it never issued are refused and change nothing; a vote counts once; voters are capped per
// day and per minute; battles that leak a model's identity (or failed) are stored but left off the board;
// the moderation hook (word list, or an OpenAI-compatible /v1/moderations) and the battle limits hold.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BattleSchema, LeaderboardResponseSchema, type ArenaVote, type Battle } from '#protocol/arena';
import { ModerateResponseSchema } from '#protocol/arena-integrity';
import { spawnCoordinator, type CoordinatorProcess } from './testing/processes';

const procs: CoordinatorProcess[] = [];
afterAll(async () => {
	await Promise.all(procs.map((p) => p.kill()));
});

async function coordinator(env: Record<string, string> = {}): Promise<(path: string, body?: object, headers?: Record<string, string>) => Promise<Response>> {
	const proc = await spawnCoordinator({ LUMEN_DB: ':memory:', ...env });
	procs.push(proc);
	return (path, body, headers = {}) =>
		fetch(`${proc.url}${path}`, {
			method: body === undefined ? 'GET' : 'POST',
			headers: { 'content-type': 'application/json', ...headers },
			body: body === undefined ? undefined : JSON.stringify(body)
		});
}
type Api = Awaited<ReturnType<typeof coordinator>>;

async function issue(api: Api, pair: { model_a?: string; model_b?: string; voter_id?: string } = {}): Promise<Battle> {
	const res = await api('/api/arena/battles', { local: true, model_a: 'local-a', model_b: 'local-b', ...pair });
	expect(res.status).toBe(200);
	return BattleSchema.parse(await res.json());
}

const voteFor = (battle: Pick<Battle, 'battle_id' | 'model_a' | 'model_b'>, extra: Partial<ArenaVote> & { voter_id?: string } = {}) => ({
	battle_id: battle.battle_id,
	model_a: battle.model_a,
	model_b: battle.model_b,
	winner: 'model_a',
	anony: true,
	tstamp: Date.now() / 1000,
	turn: 1,
	...extra
});

async function board(api: Api) {
	const res = await api('/api/arena/leaderboard?bootstrap=0');
	expect(res.status).toBe(200);
	const { rows, battles } = LeaderboardResponseSchema.parse(await res.json());
	return { battles, rows: rows.map((r) => [r.model, r.votes]) };
}

async function stored(api: Api): Promise<number> {
	return (await (await api('/api/arena/battles.jsonl')).text()).split('\n').filter(Boolean).length;
}

async function errorOf(res: Response, status: number) {
	expect(res.status).toBe(status);
	const body = (await res.json()) as { error: { message: string; code: string; param: string | null; type: string; i18n?: unknown } };
	expect(typeof body.error.message).toBe('string');
	return body.error;
}

describe('arena integrity: issued battle ids', () => {
	let api: Api;
	beforeAll(async () => {
		api = await coordinator({ LUMEN_ARENA_VOTES_PER_MINUTE: '0', LUMEN_ARENA_VOTES_PER_DAY: '0', LUMEN_ARENA_VOTES_PER_DAY_PER_ADDRESS: '0' });
	});

	it('refuses 1,000 votes with made-up battle ids, and the board does not move', async () => {
		const battle = await issue(api);
		expect((await api('/api/arena/votes', voteFor(battle))).status).toBe(200);
		const before = await board(api);
		const codes = new Map<number, number>();
		let example: { message: string; code: string } | undefined;
		for (let round = 0; round < 20; round++) {
			const answers = await Promise.all(
				Array.from({ length: 50 }, () => api('/api/arena/votes', voteFor({ battle_id: randomUUID(), model_a: 'rigged-a', model_b: 'rigged-b' })))
			);
			for (const res of answers) {
				codes.set(res.status, (codes.get(res.status) ?? 0) + 1);
				const body = (await res.json()) as { error: { message: string; code: string } };
				example ??= body.error;
			}
		}
		console.log(`1,000 made-up battle ids: statuses ${JSON.stringify(Object.fromEntries(codes))}`);
		expect(Object.fromEntries(codes)).toEqual({ 400: 1000 });
		expect(example!.code).toBe('battle_not_issued');
		expect(example!.message).toMatch(/never issued.*POST \/api\/arena\/battles/);
		expect(await board(api)).toEqual(before);
		expect(await stored(api)).toBe(1);
	});

	it('takes a repeat with the same winner as a no-op and refuses another winner with 409', async () => {
		const battle = await issue(api);
		const vote = voteFor(battle, { winner: 'tie' });
		expect(await (await api('/api/arena/votes', vote)).json()).toEqual({ battle_id: battle.battle_id, duplicate: false });
		const before = await stored(api);
		expect(await (await api('/api/arena/votes', vote)).json()).toEqual({ battle_id: battle.battle_id, duplicate: true });
		const conflict = await errorOf(await api('/api/arena/votes', { ...vote, winner: 'model_b' }), 409);
		expect(conflict.code).toBe('vote_conflict');
		expect(await stored(api)).toBe(before);
	});

	it("refuses a vote whose models are not the issued battle's", async () => {
		const battle = await issue(api);
		const err = await errorOf(await api('/api/arena/votes', voteFor({ ...battle, model_b: 'other' })), 400);
		expect(err).toMatchObject({ code: 'battle_mismatch', param: 'model_b' });
	});

	it('issues ids for local battles only with two different named models', async () => {
		expect((await errorOf(await api('/api/arena/battles', { local: true, model_a: 'x' }), 400)).param).toBe('model_b');
		expect((await errorOf(await api('/api/arena/battles', { local: true, model_a: 'x', model_b: 'x' }), 400)).param).toBe('model_b');
	});
});

describe('arena integrity: unverified votes kept when the operator allows them', () => {
	it('stores a vote for an unknown id but leaves it off the board', async () => {
		const api = await coordinator({ LUMEN_ARENA_UNVERIFIED_VOTES: 'keep' });
		const vote = voteFor({ battle_id: randomUUID(), model_a: 'kept-a', model_b: 'kept-b' });
		expect(await (await api('/api/arena/votes', vote)).json()).toEqual({ battle_id: vote.battle_id, duplicate: false });
		expect(await (await api('/api/arena/votes', vote)).json()).toEqual({ battle_id: vote.battle_id, duplicate: true });
		expect(await stored(api)).toBe(1);
		expect(await board(api)).toEqual({ battles: 0, rows: [] });
	});
});

describe('arena integrity: caps', () => {
	it('refuses a voter past the daily cap with 429, while another voter still votes; the address has its own cap', async () => {
		const api = await coordinator({ LUMEN_ARENA_VOTES_PER_DAY: '3', LUMEN_ARENA_VOTES_PER_DAY_PER_ADDRESS: '5', LUMEN_ARENA_VOTES_PER_MINUTE: '0' });
		const cast = async (voter: string) => api('/api/arena/votes', voteFor(await issue(api, { voter_id: voter }), { voter_id: voter }));
		for (let i = 0; i < 3; i++) expect((await cast('voter-1')).status).toBe(200);
		const res = await cast('voter-1');
		const err = await errorOf(res, 429);
		expect(err).toMatchObject({ code: 'daily_vote_limit', type: 'rate_limit_error' });
		expect(err.message).toMatch(/3 arena votes in the last 24 hours/);
		expect(err.i18n, 'the web app says it in its own language, with the number').toEqual({ key: 'error.text.dailyVoteLimit', values: { limit: 3, who: 'voter' } });
		expect(res.headers.get('retry-after')).toBeTruthy();
		// Another browser on the same address counts on its own, up to the address's cap (5 in all).
		expect((await cast('voter-2')).status).toBe(200);
		expect((await cast('voter-3')).status).toBe(200);
		const address = await errorOf(await cast('voter-4'), 429);
		expect(address.message).toMatch(/network address/);
		expect(address.i18n).toEqual({ key: 'error.text.dailyVoteLimit', values: { limit: 5, who: 'address' } });
		expect(await stored(api)).toBe(5);
	});

	it('behind a trusted reverse proxy, each client address (X-Forwarded-For) has its own cap; without trust the header is ignored', async () => {
		const caps = { LUMEN_ARENA_VOTES_PER_DAY: '0', LUMEN_ARENA_VOTES_PER_DAY_PER_ADDRESS: '1', LUMEN_ARENA_VOTES_PER_MINUTE: '0' };
		const castFrom = async (api: Api, forwardedFor: string) =>
			api('/api/arena/votes', voteFor(await issue(api)), { 'x-forwarded-for': forwardedFor });
		// One proxy hop trusted: the proxy's own address (this test, on loopback) is not the client.
		const proxied = await coordinator({ ...caps, LUMEN_TRUST_PROXY: '1' });
		expect((await castFrom(proxied, '203.0.113.7')).status).toBe(200);
		expect((await castFrom(proxied, '198.51.100.20')).status).toBe(200);
		expect((await errorOf(await castFrom(proxied, '203.0.113.7'), 429)).message).toMatch(/network address/);
		// A client that writes the header itself, one hop in front of the proxy, is still known by what the proxy saw.
		expect((await castFrom(proxied, '192.0.2.1, 203.0.113.7')).status).toBe(429);
		// Not trusted (the default): a made-up header does not make a new voter.
		const direct = await coordinator(caps);
		expect((await castFrom(direct, '203.0.113.7')).status).toBe(200);
		expect((await errorOf(await castFrom(direct, '198.51.100.20'), 429)).message).toMatch(/network address/);
	});

	it('limits votes per minute per voter with 429 and Retry-After', async () => {
		const api = await coordinator({ LUMEN_ARENA_VOTES_PER_MINUTE: '2' });
		const battles = await Promise.all([issue(api), issue(api), issue(api)]);
		expect((await api('/api/arena/votes', voteFor(battles[0]))).status).toBe(200);
		expect((await api('/api/arena/votes', voteFor(battles[1]))).status).toBe(200);
		const res = await api('/api/arena/votes', voteFor(battles[2]));
		expect((await errorOf(res, 429)).message).toMatch(/at most 2 a minute/);
		expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
	});
});

describe('arena integrity: battles left off the board', () => {
	let api: Api;
	beforeAll(async () => {
		api = await coordinator({ LUMEN_ARENA_VOTES_PER_MINUTE: '0' });
	});

	it('excludes a battle the page flags as an identity leak, an error or an unfinished answer, and counts a clean one', async () => {
		for (const flag of ['identity_leak', 'answer_error', 'unfinished'] as const)
			expect((await api('/api/arena/votes', voteFor(await issue(api, { model_a: 'leaky-a', model_b: 'leaky-b' }), { [flag]: true }))).status).toBe(200);
		expect(await board(api)).toEqual({ battles: 0, rows: [] });
		expect(await stored(api)).toBe(3);
		expect((await api('/api/arena/votes', voteFor(await issue(api, { model_a: 'leaky-a', model_b: 'leaky-b' })))).status).toBe(200);
		expect((await board(api)).battles).toBe(1);
	});

	it('excludes a battle whose prompt named a model, as the coordinator saw it, even when the vote carries no flag', async () => {
		const before = await board(api);
		const battle = await issue(api, { model_a: 'leaky-a', model_b: 'leaky-b' });
		const verdict = ModerateResponseSchema.parse(await (await api('/api/arena/moderate', { battle_id: battle.battle_id, text: 'Are you Llama or Claude?' })).json());
		expect(verdict.flagged).toBe(false);
		expect((await api('/api/arena/votes', voteFor(battle))).status).toBe(200);
		expect(await board(api)).toEqual(before);
	});
});

describe('arena integrity: anomalous voters', () => {
	it("leaves a voter whose votes are unlike everyone else's off the board", async () => {
		const api = await coordinator({ LUMEN_ARENA_VOTES_PER_MINUTE: '0', LUMEN_ARENA_BATTLES_PER_MINUTE: '0' });
		let seed = 11;
		const random = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
		const models = ['strong', 'middle', 'weak'];
		const cast = async (voter: string, a: string, b: string, winner: ArenaVote['winner']) => {
			const battle = await issue(api, { model_a: a, model_b: b, voter_id: voter });
			expect((await api('/api/arena/votes', voteFor(battle, { winner, voter_id: voter }))).status).toBe(200);
		};
		// Honest voters: the stronger model wins 85 % of the time, ties 5 %.
		for (let v = 0; v < 20; v++)
			for (let i = 0; i < 15; i++) {
				const x = Math.floor(random() * 3);
				const y = (x + 1 + Math.floor(random() * 2)) % 3;
				const r = random();
				const stronger = x < y ? 'model_a' : 'model_b';
				const weaker = x < y ? 'model_b' : 'model_a';
				await cast(`honest-${v}`, models[x], models[y], r < 0.05 ? 'tie' : r < 0.9 ? stronger : weaker);
			}
		const honest = await board(api);
		expect(honest.battles).toBe(300);
		// One voter crowns the weak model over the strong one, 40 times.
		for (let i = 0; i < 40; i++) await cast('rigger', 'weak', 'strong', 'model_a');
		expect(await stored(api)).toBe(340);
		const after = await board(api);
		console.log(`anomalous voters: board counts ${after.battles} of 340 stored votes`);
		expect(after).toEqual(honest);
	});
});

describe('arena integrity: moderation and limits', () => {
	it('flags a prompt with a listed word, lets others in, and keeps to the turn and character limits', async () => {
		const api = await coordinator({ LUMEN_ARENA_MODERATION_WORDS: 'forbidden,Verboten', LUMEN_ARENA_MAX_TURNS: '2', LUMEN_ARENA_MAX_PROMPT_CHARS: '40' });
		const battle = await issue(api);
		expect(battle.limits).toEqual({ max_turns: 2, max_prompt_chars: 40, max_battle_chars: 30_000 });
		const moderate = (text: string) => api('/api/arena/moderate', { battle_id: battle.battle_id, text });
		const flagged = ModerateResponseSchema.parse(await (await moderate('say something VERBOTEN')).json());
		expect(flagged).toMatchObject({ flagged: true, categories: ['word_list'] });
		expect(flagged.message).toMatch(/not sent/);
		expect((await errorOf(await moderate('x'.repeat(41)), 400)).message).toMatch(/at most 40/);
		expect(ModerateResponseSchema.parse(await (await moderate('hello')).json()).flagged).toBe(false);
		expect(ModerateResponseSchema.parse(await (await moderate('again')).json()).flagged).toBe(false);
		const third = await errorOf(await moderate('third'), 400);
		expect(third).toMatchObject({ code: 'battle_limit', param: 'text' });
		expect(third.message).toMatch(/limit of 2 turns/);
		expect(third.i18n).toEqual({ key: 'error.text.arenaTurns', values: { limit: 2 } });
		expect((await errorOf(await api('/api/arena/votes', voteFor(battle, { turn: 3 })), 400)).param).toBe('turn');
		expect((await errorOf(await api('/api/arena/moderate', { battle_id: 'never-issued', text: 'hi' }), 400)).code).toBe('battle_not_issued');
	});

	describe('with an OpenAI-compatible /v1/moderations endpoint', () => {
		let server: Server;
		const seen: { auth?: string; body: { input: string } }[] = [];
		beforeAll(async () => {
			// A scripted moderation server: flags any input mentioning "attack".
			server = createServer((req, res) => {
				let raw = '';
				req.on('data', (d) => (raw += d));
				req.on('end', () => {
					const body = JSON.parse(raw) as { input: string };
					seen.push({ auth: req.headers.authorization, body });
					if (req.url !== '/v1/moderations') return res.writeHead(404).end();
					const flagged = body.input.includes('attack');
					res.writeHead(200, { 'content-type': 'application/json' });
					res.end(JSON.stringify({ id: 'modr-1', model: 'omni-moderation-latest', results: [{ flagged, categories: { violence: flagged, hate: false } }] }));
				});
			});
			await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
		});
		afterAll(() => new Promise<void>((r) => server.close(() => r())));

		it('asks it with the key and passes on its verdict; an unreachable endpoint fails closed with 503', async () => {
			const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
			const api = await coordinator({ LUMEN_MODERATION_URL: url, LUMEN_MODERATION_API_KEY: 'sk-mod', LUMEN_ARENA_MODERATION_WORDS: 'ignored-when-url-set' });
			const battle = await issue(api);
			const moderate = (text: string) => api('/api/arena/moderate', { battle_id: battle.battle_id, text });
			expect(ModerateResponseSchema.parse(await (await moderate('plan an attack')).json())).toMatchObject({ flagged: true, categories: ['violence'] });
			expect(ModerateResponseSchema.parse(await (await moderate('ignored-when-url-set')).json()).flagged).toBe(false);
			expect(seen.map((s) => [s.auth, s.body.input])).toEqual([
				['Bearer sk-mod', 'plan an attack'],
				['Bearer sk-mod', 'ignored-when-url-set']
			]);
			const down = await coordinator({ LUMEN_MODERATION_URL: 'http://127.0.0.1:9/v1/moderations' });
			const other = await issue(down);
			const err = await errorOf(await down('/api/arena/moderate', { battle_id: other.battle_id, text: 'hi' }), 503);
			expect(err.code).toBe('moderation_unavailable');
		});
	});
});
