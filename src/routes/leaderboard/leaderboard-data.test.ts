// The leaderboard's two sources: this browser's votes rated locally, and the coordinator's board
// with failures turned into plain sentences.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { ArenaVote, LeaderboardResponse } from '$lib/protocol/arena';
import { coordinatorBoard, localBoard } from './leaderboard-data';

const v = (i: number, model_a: string, model_b: string, winner: ArenaVote['winner'], anony = true): ArenaVote => ({
	battle_id: `b${i}`,
	model_a,
	model_b,
	winner,
	anony,
	tstamp: i,
	turn: 1
});

describe('localBoard', () => {
	it('rates anonymous votes only, best first, with pairwise counts in table order', () => {
		const votes = [
			...Array.from({ length: 8 }, (_, i) => v(i, 'weak', 'strong', 'model_b')),
			v(8, 'strong', 'weak', 'model_b'),
			v(9, 'weak', 'named', 'model_a', false)
		];
		const board = localBoard(votes);
		expect(board.battles).toBe(9);
		expect(board.rows.map((r) => [r.model, r.votes])).toEqual([
			['strong', 9],
			['weak', 9]
		]);
		expect(board.pairwise?.models).toEqual(['strong', 'weak']);
		expect(board.pairwise?.winFraction[0][1]).toBeCloseTo(8 / 9);
	});
});

describe('localBoard with categories and style control', () => {
	const meta = (a: number, b: number) => ({
		sum_user_tokens: 10,
		sum_assistant_a_tokens: a,
		sum_assistant_b_tokens: b,
		context_a_tokens: 10,
		context_b_tokens: 10,
		header_count_a: { h1: 0 },
		header_count_b: { h1: 0 },
		list_count_a: { ordered: 0 },
		list_count_b: { ordered: 0 },
		bold_count_a: { '**': 0 },
		bold_count_b: { '**': 0 }
	});
	// Two models, answers of different lengths, some multi-turn battles (the fit's signs are tested on the fixture in rating/).
	const votes: ArenaVote[] = Array.from({ length: 60 }, (_, i) => ({
		...v(i, i % 2 ? 'long' : 'short', i % 2 ? 'short' : 'long', i % 3 === 0 ? (i % 2 ? 'model_b' : 'model_a') : i % 2 ? 'model_a' : 'model_b'),
		turn: i < 20 ? 2 : 1,
		language: 'English',
		conv_metadata: i % 2 ? meta(800, 100 + i) : meta(100 + i, 800)
	}));

	it('offers the categories with their counts and rates only the chosen one', () => {
		const board = localBoard(votes, { category: 'multiturn' });
		expect(board.battles).toBe(20);
		expect(board.categories?.map((c) => `${c.name}:${c.battles}`)).toEqual(['full:60', 'multiturn:20', 'long_user:0', 'coding:0']);
		expect(localBoard(votes, { category: 'english' }).battles).toBe(60);
	});

	it('with style control, gives each row its raw rank and the coefficients', () => {
		const board = localBoard(votes, { styleControl: true });
		expect(board.style?.coefficients.map((c) => c.name)).toEqual(['length', 'header', 'list', 'bold']);
		expect(Number.isFinite(board.style?.coefficients[0].value)).toBe(true);
		expect(board.style?.rows.map((r) => r.model).sort()).toEqual(['long', 'short']);
		for (const r of board.style?.rows ?? []) expect(r.rankChange).toBe(r.rawRank - r.rank);
		expect(board.rows).toHaveLength(2);
	});
});

describe('coordinatorBoard', () => {
	const answer: LeaderboardResponse = {
		rows: [{ model: 'm', rating: 1000, ci: [990, 1010], elo: 1000, votes: 3, rank: 1 }],
		battles: 3,
		bootstrap_rounds: 100,
		computed_at: 1
	};

	it('reads the board with the API key as a Bearer token', async () => {
		let seen: { url: string; auth: string | null } | undefined;
		const fetcher: typeof fetch = async (input, init) => {
			seen = { url: String(input), auth: new Headers(init?.headers).get('authorization') };
			return Response.json(answer);
		};
		const board = await coordinatorBoard('http://c.test/', 'k', fetcher);
		expect(seen).toEqual({ url: 'http://c.test/api/arena/leaderboard', auth: 'Bearer k' });
		expect(board).toEqual({ rows: answer.rows, battles: 3, bootstrapRounds: 100 });
	});

	it("asks for the page's view (category, style control) and reads the style rows, raw ranks and coefficients", async () => {
		const styled: LeaderboardResponse = {
			...answer,
			category: 'coding',
			categories: [{ name: 'full', label: 'Overall', battles: 9 }, { name: 'coding', label: 'Coding', battles: 3 }],
			style: {
				rows: [{ model: 'm', rating: 1001, ci: [980, 1020], votes: 3, rank: 1, raw_rating: null, raw_rank: null, rank_change: null }],
				coefficients: [{ name: 'length', value: 0.4, ci: [0.1, 0.7] }],
				left_out: 2
			}
		};
		let url = '';
		const board = await coordinatorBoard('http://c.test/', undefined, async (input) => ((url = String(input)), Response.json(styled)), { category: 'coding', styleControl: true });
		expect(url).toBe('http://c.test/api/arena/leaderboard?category=coding&style_control=1');
		expect(board.categories).toEqual(styled.categories);
		expect(board.style?.leftOut).toBe(2);
		expect(board.style?.coefficients).toEqual(styled.style?.coefficients);
		expect(board.style?.rows[0]).toMatchObject({ model: 'm', rank: 1, rawRank: NaN, rankChange: NaN });
	});

	it.each([
		[() => Promise.reject(new TypeError('Failed to fetch')), /Could not reach the coordinator/],
		[async () => new Response('', { status: 401 }), /refused the API key/],
		[async () => new Response('', { status: 500 }), /HTTP 500/],
		[async () => new Response('<html>Not Found</html>', { status: 404 }), /no arena leaderboard \(it may be an older version\)/],
		[async () => Response.json({ rows: 'nope' }), /cannot read/]
	] as const)('says what went wrong in plain words (%#)', async (respond, message) => {
		await expect(coordinatorBoard('http://c.test', undefined, respond as unknown as typeof fetch)).rejects.toThrow(message);
	});

	it('a coordinator URL ending in /v1 reads /api/arena/leaderboard on the server root', async () => {
		const seen: string[] = [];
		const server = createServer((req, res) => {
			seen.push(`${req.method} ${req.url}`);
			const ok = req.url === '/api/arena/leaderboard';
			res.writeHead(ok ? 200 : 404, { 'content-type': 'application/json' });
			res.end(JSON.stringify(ok ? answer : { error: { message: 'No such endpoint.' } }));
		});
		await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
		try {
			const board = await coordinatorBoard(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, undefined);
			expect(seen).toEqual(['GET /api/arena/leaderboard']);
			expect(board).toEqual({ rows: answer.rows, battles: 3, bootstrapRounds: 100 });
		} finally {
			await new Promise<void>((r) => server.close(() => r()));
		}
	});
});
