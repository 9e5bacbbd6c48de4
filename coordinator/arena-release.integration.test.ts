// Arena data at a real coordinator process (issue 11 items 1, 2, 3 and 6): the analysis fields a vote
// carries are stored and rated (style control and categories on GET /api/arena/leaderboard); with
// logging on, a conversation the voter shares is kept, measured here rather than trusted, and
// released in FastChat's clean-battle shape with hashed judges and deduplication.py's tags; a
// conversation whose prompts are not the ones moderated here is not kept; with logging off, none is.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BattleSchema, LeaderboardResponseSchema, VoteResponseSchema, type ArenaVote, type Battle } from '#protocol/arena';
import { spawnCoordinator, type CoordinatorProcess } from './testing/processes';

const procs: CoordinatorProcess[] = [];
afterAll(async () => {
	await Promise.all(procs.map((p) => p.kill()));
});

const OPEN = { LUMEN_ARENA_VOTES_PER_MINUTE: '0', LUMEN_ARENA_VOTES_PER_DAY: '0', LUMEN_ARENA_VOTES_PER_DAY_PER_ADDRESS: '0', LUMEN_ARENA_ANOMALY_ALPHA: '0', LUMEN_ARENA_BATTLES_PER_MINUTE: '0' };

async function coordinator(env: Record<string, string>) {
	const proc = await spawnCoordinator({ LUMEN_DB: ':memory:', ...OPEN, ...env });
	procs.push(proc);
	return (path: string, body?: object) =>
		fetch(`${proc.url}${path}`, {
			method: body === undefined ? 'GET' : 'POST',
			headers: { 'content-type': 'application/json' },
			body: body === undefined ? undefined : JSON.stringify(body)
		});
}
type Api = Awaited<ReturnType<typeof coordinator>>;

const meta = (a: number, b: number) => ({
	sum_user_tokens: 5,
	sum_assistant_a_tokens: a,
	sum_assistant_b_tokens: b,
	context_a_tokens: 5,
	context_b_tokens: 5,
	header_count_a: { h1: 0 },
	header_count_b: { h1: 0 },
	list_count_a: { ordered: 0, unordered: 0 },
	list_count_b: { ordered: 0, unordered: 0 },
	bold_count_a: { '**': 0, __: 0 },
	bold_count_b: { '**': 0, __: 0 }
});

/** A battle between two of this browser's models: issued, its prompts moderated here, then voted on. */
async function battle(api: Api, prompts: string[], vote: Partial<ArenaVote> & Record<string, unknown>, models: [string, string] = ['alpha', 'beta']) {
	const res = await api('/api/arena/battles', { local: true, model_a: models[0], model_b: models[1], voter_id: 'voter-1' });
	const issued: Battle = BattleSchema.parse(await res.json());
	for (const text of prompts) expect((await api('/api/arena/moderate', { battle_id: issued.battle_id, text })).status).toBe(200);
	const voted = await api('/api/arena/votes', {
		battle_id: issued.battle_id,
		model_a: models[0],
		model_b: models[1],
		winner: 'model_a',
		anony: true,
		tstamp: Date.now() / 1000,
		turn: prompts.length,
		voter_id: 'voter-1',
		...vote
	});
	expect(voted.status).toBe(200);
	return { issued, answer: VoteResponseSchema.parse(await voted.json()) };
}

const conversation = (prompts: string[], a: string, b: string) => ({
	conversation_a: prompts.flatMap((p) => [{ role: 'user', content: p }, { role: 'assistant', content: a }]),
	conversation_b: prompts.flatMap((p) => [{ role: 'user', content: p }, { role: 'assistant', content: b }])
});

const lines = async (res: Response) => {
	expect(res.status).toBe(200);
	return (await res.text())
		.split('\n')
		.filter(Boolean)
		.map((l) => JSON.parse(l) as Record<string, unknown>);
};

describe('arena data with conversation logging on', () => {
	let api: Api;
	beforeAll(async () => {
		api = await coordinator({ LUMEN_ARENA_LOG_CONVERSATIONS: '1', LUMEN_ARENA_DEDUP_PERCENTILE: '0.5' });
	});

	it('issued battles say that conversations are kept, so the page asks', async () => {
		const res = await api('/api/arena/battles', { local: true, model_a: 'alpha', model_b: 'beta' });
		expect(BattleSchema.parse(await res.json()).log_conversations).toBe(true);
	});

	it('keeps a shared conversation, measures it here, and releases it in the clean-battle shape', async () => {
		const prompts = ['Please write a short haiku about the autumn leaves falling in the park near my house.'];
		const shared = conversation(prompts, '# Leaves\n- red\n- gold\n**falling** slowly', 'Leaves fall.');
		// The page's own numbers are not trusted when the conversation is there to measure.
		const { issued, answer } = await battle(api, prompts, { language: 'Klingon', conv_metadata: meta(999, 999), is_code: true, ...shared });
		expect(answer).toEqual({ battle_id: issued.battle_id, duplicate: false, conversation_kept: true });

		const release = await lines(await api('/api/arena/battles.jsonl?clean=1'));
		const record = release.find((r) => r.question_id === issued.battle_id) as Record<string, unknown> & { conv_metadata: Record<string, unknown> };
		expect(Object.keys(record)).toEqual(
			['question_id', 'model_a', 'model_b', 'winner', 'judge', 'conversation_a', 'conversation_b', 'turn', 'anony', 'language', 'tstamp', 'conv_metadata', 'is_code', 'dedup_tag']
		);
		expect(record).toMatchObject({ model_a: 'alpha', model_b: 'beta', winner: 'model_a', turn: 1, anony: true, language: 'English', is_code: false, ...shared });
		expect(record.judge).toMatch(/^arena_user_[0-9a-f]{16}$/);
		expect(record.conv_metadata).toMatchObject({ header_count_a: { h1: 1 }, list_count_a: { unordered: 2 }, bold_count_a: { '**': 1 } });
		// cl100k counts of the real answers, not the 999 the vote claimed.
		expect(record.conv_metadata.sum_assistant_a_tokens).toBeGreaterThan(8);
		expect(record.conv_metadata.sum_assistant_a_tokens).toBeLessThan(20);
		expect(record.conv_metadata.sum_assistant_b_tokens).toBeGreaterThan(1);
		expect(record.conv_metadata.sum_assistant_b_tokens).toBeLessThan(6);
		expect(record.dedup_tag).toEqual({ high_freq: false, sampled: true });
	});

	it('does not keep a conversation whose prompts are not the ones moderated for the battle', async () => {
		const { issued, answer } = await battle(api, ['What is 2 + 2?'], conversation(['Something never moderated'], 'x', 'y'));
		expect(answer.conversation_kept).toBe(false);
		const record = (await lines(await api('/api/arena/battles.jsonl?clean=1'))).find((r) => r.question_id === issued.battle_id);
		expect(record).toBeDefined();
		expect(record).not.toHaveProperty('conversation_a');
	});

	it('refuses a vote with one side of a conversation', async () => {
		const res = await api('/api/arena/battles', { local: true, model_a: 'alpha', model_b: 'beta' });
		const issued = BattleSchema.parse(await res.json());
		const voted = await api('/api/arena/votes', {
			battle_id: issued.battle_id, model_a: 'alpha', model_b: 'beta', winner: 'tie', anony: true, tstamp: 1, turn: 1,
			conversation_a: [{ role: 'user', content: 'hi' }]
		});
		expect(voted.status).toBe(400);
		expect(((await voted.json()) as { error: { message: string } }).error.message).toMatch(/conversation_b/);
	});

	it("tags very frequent prompts as deduplication.py does, and releases only the votes the board counts", async () => {
		for (let i = 0; i < 4; i++) await battle(api, ['hello there'], { conv_metadata: meta(10 + i, 5) });
		const leaked = await battle(api, ['Are you made by OpenAI?'], {});
		const flagged = await battle(api, ['Tell me a story'], { unfinished: true });
		const release = await lines(await api('/api/arena/battles.jsonl?clean=1'));
		const ids = new Set(release.map((r) => r.question_id));
		expect(ids.has(leaked.issued.battle_id)).toBe(false);
		expect(ids.has(flagged.issued.battle_id)).toBe(false);
		// Per-prompt counts [1, 1, 4] (the two earlier prompts and "hello there"): the median is 1, so "hello there" is frequent; 1 of its 4 sampled.
		const frequent = release.filter((r) => (r.dedup_tag as { high_freq: boolean }).high_freq);
		expect(frequent).toHaveLength(4);
		expect(frequent.filter((r) => (r.dedup_tag as { sampled: boolean }).sampled)).toHaveLength(1);
		expect(new Set(release.map((r) => r.judge)).size).toBe(1);

		// The operator's export keeps every vote, says why one is left out, and carries no voter id.
		const all = await lines(await api('/api/arena/battles.jsonl'));
		expect(all.find((r) => r.battle_id === leaked.issued.battle_id)).toMatchObject({ excluded: 'identity_leak' });
		expect(all.find((r) => r.battle_id === flagged.issued.battle_id)).toMatchObject({ excluded: 'unfinished', unfinished: true });
		expect(all.every((r) => !('judge' in r) && !('conversation_a' in r))).toBe(true);
	});
});

describe('the coordinator board: style control, categories and filters over its stored votes', () => {
	let api: Api;
	beforeAll(async () => {
		api = await coordinator({});
		// alpha writes longer answers and wins mostly for it; gamma is short and strong.
		const pairs: [string, string][] = [['alpha', 'beta'], ['beta', 'gamma'], ['alpha', 'gamma']];
		for (let i = 0; i < 36; i++) {
			const [a, b] = pairs[i % 3];
			const longA = a === 'alpha';
			const winner = i % 4 === 0 ? 'tie' : b === 'gamma' ? (i % 5 === 0 ? 'model_a' : 'model_b') : 'model_a';
			const prompt = i % 6 === 0 ? 'Write a Python function: def add(a, b): return a + b' : `Question number ${i}`;
			await battle(api, [prompt], { winner, conv_metadata: meta(longA ? 400 : 40, 40), is_code: i % 6 === 0, language: 'English' }, [a, b]);
		}
	});

	it('rates with style control: coefficients, and each row with its raw rank', async () => {
		const res = await api('/api/arena/leaderboard?style_control=1&bootstrap=20');
		expect(res.status).toBe(200);
		const board = LeaderboardResponseSchema.parse(await res.json());
		expect(board.style?.coefficients.map((c) => c.name)).toEqual(['length', 'header', 'list', 'bold']);
		expect(board.style?.rows.map((r) => r.model).sort()).toEqual(['alpha', 'beta', 'gamma']);
		for (const row of board.style?.rows ?? []) expect(row.rank_change).toBe((row.raw_rank ?? NaN) - row.rank);
		expect(board.style?.left_out).toBe(0);
		expect(board.battles).toBe(36);
	});

	it('offers the categories with counts, rates one, and applies the filters', async () => {
		const full = LeaderboardResponseSchema.parse(await (await api('/api/arena/leaderboard?bootstrap=0')).json());
		expect(full.categories).toEqual(expect.arrayContaining([{ name: 'coding', label: 'Coding', battles: 6 }]));
		const coding = LeaderboardResponseSchema.parse(await (await api('/api/arena/leaderboard?bootstrap=0&category=coding')).json());
		expect(coding).toMatchObject({ category: 'coding', battles: 6 });
		const filtered = LeaderboardResponseSchema.parse(await (await api('/api/arena/leaderboard?bootstrap=0&exclude_models=gamma&exclude_ties=1')).json());
		expect(filtered.rows.map((r) => r.model).sort()).toEqual(['alpha', 'beta']);
		expect(filtered.battles).toBe(12 - 3);
		// A language nobody wrote in is an empty board; a name that is no category at all is refused, saying which exist.
		const klingon = LeaderboardResponseSchema.parse(await (await api('/api/arena/leaderboard?bootstrap=0&category=klingon')).json());
		expect(klingon).toMatchObject({ rows: [], battles: 0 });
		const unknown = await api('/api/arena/leaderboard?category=top%2010!');
		expect(unknown.status).toBe(400);
		expect(((await unknown.json()) as { error: { message: string } }).error.message).toMatch(/unknown category "top 10!": use one of full, multiturn/);
	});
});

describe('arena data with conversation logging off (the default)', () => {
	it('says so when issuing, and keeps no conversation sent anyway', async () => {
		const api = await coordinator({});
		const res = await api('/api/arena/battles', { local: true, model_a: 'alpha', model_b: 'beta' });
		expect(BattleSchema.parse(await res.json()).log_conversations).toBe(false);
		const prompts = ['Hi'];
		const { issued, answer } = await battle(api, prompts, conversation(prompts, 'Hello', 'Hey'));
		expect(answer.conversation_kept).toBe(false);
		const record = (await lines(await api('/api/arena/battles.jsonl?clean=1'))).find((r) => r.question_id === issued.battle_id);
		expect(record).not.toHaveProperty('conversation_a');
	});
});
