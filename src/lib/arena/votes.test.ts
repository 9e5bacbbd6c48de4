// Votes kept in this browser: recording, listing, export to FastChat's clean-battle lines, import.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import type { ArenaVote } from '$lib/protocol/arena';
import { parseBattlesJsonl } from '$lib/rating';
import { freshStore } from '$lib/storage/test-utils';
import { exportVotesJsonl, importVotes, listStoredVotes, listVotes, recordVote } from './votes';

export function vote(id: string, extra: Partial<ArenaVote> = {}): ArenaVote {
	return { battle_id: id, model_a: 'alpha', model_b: 'beta', winner: 'model_a', anony: true, tstamp: 1_700_000_000, turn: 1, ...extra };
}

describe('votes', () => {
	it('records a vote as pending and lists it', async () => {
		const store = freshStore('votes');
		await recordVote(vote('b1'), store);
		expect(await listVotes(store)).toEqual([vote('b1')]);
		expect((await listStoredVotes(store))[0].sync.state).toBe('pending');
	});

	it('recording the same battle twice keeps the first vote', async () => {
		const store = freshStore('votes');
		await recordVote(vote('b1'), store);
		await recordVote(vote('b1', { winner: 'model_b' }), store);
		expect(await listVotes(store)).toEqual([vote('b1')]);
	});

	it('rejects an invalid vote without writing', async () => {
		const store = freshStore('votes');
		await expect(recordVote({ ...vote('b1'), turn: 0 }, store)).rejects.toMatchObject({ code: 'bad_request' });
		expect(await listVotes(store)).toEqual([]);
	});

	it('skips stored records that fail validation', async () => {
		const store = freshStore('votes');
		await store.set('junk', { vote: { battle_id: 'junk' }, origin: 'local', sync: { state: 'pending' } });
		await recordVote(vote('b1'), store);
		expect((await listVotes(store)).map((v) => v.battle_id)).toEqual(['b1']);
	});

	it('exports clean-battle JSON lines that the rating parser reads, oldest first', async () => {
		const store = freshStore('votes');
		await recordVote(vote('late', { tstamp: 20, winner: 'tie' }), store);
		await recordVote(vote('early', { tstamp: 10 }), store);
		const text = await exportVotesJsonl(store);
		const parsed = parseBattlesJsonl(text);
		expect(parsed.errors).toEqual([]);
		expect(parsed.battles.map((b) => [b.tstamp, b.winner])).toEqual([[10, 'model_a'], [20, 'tie']]);
		expect(text.split('\n')[0]).toContain('"battle_id":"early"');
	});

	it('imports battles: fresh ids where missing, marked synced, bad lines reported', async () => {
		const store = freshStore('votes');
		const text = [
			'{"model_a":"x","model_b":"y","winner":"model_b","tstamp":5}',
			'not json',
			'{"model_a":"x","model_b":"x","winner":"tie"}',
			'{"model_a":"y","model_b":"z","winner":"tie (bothbad)","battle_id":"keep-me","anony":false,"turn":3}'
		].join('\n');
		const result = await importVotes(text, store, 1_000_000);
		expect(result.added).toBe(2);
		expect(result.errors.map((e) => e.line)).toEqual([2, 3]);
		const stored = await listStoredVotes(store);
		expect(stored.every((r) => r.origin === 'import' && r.sync.state === 'synced')).toBe(true);
		const ids = stored.map((r) => r.vote.battle_id);
		expect(ids).toContain('keep-me');
		expect(ids.every((id) => id.length > 0)).toBe(true);
		expect(stored.find((r) => r.vote.battle_id === 'keep-me')?.vote).toMatchObject({ anony: false, turn: 3 });
	});

	it('keeps the analysis fields (language, conv_metadata, judge, flags) through store, export and import', async () => {
		const conv_metadata = {
			sum_user_tokens: 12,
			sum_assistant_a_tokens: 300,
			sum_assistant_b_tokens: 40,
			context_a_tokens: 12,
			context_b_tokens: 12,
			turns: 1,
			header_count_a: { h1: 1, h2: 0, h3: 0, h4: 0, h5: 0, h6: 0 },
			header_count_b: { h1: 0, h2: 0, h3: 0, h4: 0, h5: 0, h6: 0 },
			list_count_a: { ordered: 3, unordered: 0 },
			list_count_b: { ordered: 0, unordered: 0 },
			bold_count_a: { '**': 2, __: 0 },
			bold_count_b: { '**': 0, __: 0 }
		};
		const rich = vote('rich', { language: 'English', conv_metadata, judge: 'arena_user_ab12', is_code: false, identity_leak: false, dedup_tag: { high_freq: false, sampled: true } });
		const store = freshStore('votes');
		await recordVote(rich, store);
		expect(await listVotes(store)).toEqual([rich]);
		const text = await exportVotesJsonl(store);
		expect(JSON.parse(text)).toEqual(rich);
		const other = freshStore('votes');
		expect((await importVotes(text, other)).added).toBe(1);
		expect(await listVotes(other)).toEqual([rich]);
	});

	it('re-importing an export adds nothing', async () => {
		const store = freshStore('votes');
		await importVotes('{"model_a":"x","model_b":"y","winner":"model_a"}\n', store);
		const again = await importVotes(await exportVotesJsonl(store), store);
		expect(again).toMatchObject({ added: 0, alreadyHere: 1 });
		expect(await listVotes(store)).toHaveLength(1);
	});

	it('imports a JSON array file', async () => {
		const store = freshStore('votes');
		const result = await importVotes('[{"model_a":"x","model_b":"y","winner":"model_a"}]', store);
		expect(result.added).toBe(1);
	});
});
