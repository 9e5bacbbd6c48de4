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
