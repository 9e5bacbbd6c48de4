// The vote's integrity flags from the battle's messages: identity words or model names anywhere,
// an answer that failed, an answer stopped or empty.
import { describe, expect, it } from 'vitest';
import type { StoredMessage } from '$lib/storage';
import { analyseVote, releaseConversation, voteFlags } from './vote-flags';

let n = 0;
const msg = (role: 'user' | 'assistant', content: string, extra: Partial<StoredMessage> = {}): StoredMessage => ({ id: String(n++), role, content, createdAt: 0, ...extra });

describe('voteFlags', () => {
	it('sets nothing for a clean battle', () => {
		expect(voteFlags([[msg('user', 'Hi'), msg('assistant', 'Hello there')], [msg('user', 'Hi'), msg('assistant', 'Hey')]], ['m-a', 'm-b'])).toEqual({});
	});

	it('flags an identity leak from an answer (case-insensitive), a prompt, or a model id', () => {
		expect(voteFlags([[msg('assistant', 'I was trained by OpenAI.')]], ['m-a', 'm-b'])).toEqual({ identity_leak: true });
		expect(voteFlags([[msg('user', 'are you claude?')]], ['m-a', 'm-b'])).toEqual({ identity_leak: true });
		expect(voteFlags([[msg('assistant', 'I am Tiny-Model-B')]], ['tiny-model-a', 'tiny-model-b'])).toEqual({ identity_leak: true });
	});

	it('flags an errored answer and an unfinished (stopped or empty) one', () => {
		expect(voteFlags([[msg('assistant', 'partial', { error: 'The model crashed.' })]], ['a', 'b'])).toEqual({ answer_error: true });
		const stopped = msg('assistant', 'half an', { stats: { ttftMs: 1, tokensPerSecond: 1, tokens: 2, finishReason: 'abort' } });
		expect(voteFlags([[stopped]], ['a', 'b'])).toEqual({ unfinished: true });
		expect(voteFlags([[msg('assistant', '  ')]], ['a', 'b'])).toEqual({ unfinished: true });
	});
});

describe('model names', () => {
	it('match as whole words only', () => {
		expect(voteFlags([[msg('assistant', 'partial answers about bananas')]], ['a', 'b'])).toEqual({});
		expect(voteFlags([[msg('assistant', 'I am b.')]], ['a', 'b'])).toEqual({ identity_leak: true });
	});
});

describe('analyseVote', () => {
	const words = (text: string) => text.split(/\s+/).filter(Boolean).length;
	const sides: [StoredMessage[], StoredMessage[]] = [
		[msg('user', 'Please write a short poem about the sea and the wind at night.'), msg('assistant', '# Sea\n**Waves** under the moon')],
		[msg('user', 'Please write a short poem about the sea and the wind at night.'), msg('assistant', '- wind\n- night')]
	];

	it('gives language, conv_metadata from both sides and the coding flag, with the flags', () => {
		const v = analyseVote(sides, ['m-a', 'm-b'], words);
		expect(v.language).toBe('English');
		expect(v.is_code).toBe(false);
		expect(v.identity_leak).toBeUndefined();
		expect(v.conv_metadata).toMatchObject({ sum_user_tokens: 13, sum_assistant_a_tokens: 6, sum_assistant_b_tokens: 4, header_count_a: { h1: 1 }, bold_count_a: { '**': 1 } });
		expect(v.conv_metadata?.list_count_b).toMatchObject({ unordered: 2 });
	});

	it('leaves conv_metadata out without a token counter, and keeps the flags', () => {
		const leaked: [StoredMessage[], StoredMessage[]] = [[...sides[0], msg('assistant', 'I am made by Anthropic')], sides[1]];
		const v = analyseVote(leaked, ['m-a', 'm-b'], null);
		expect(v.conv_metadata).toBeUndefined();
		expect(v).toMatchObject({ language: 'English', is_code: false, identity_leak: true });
	});

	it("gives each side as FastChat's conversation shape", () => {
		expect(releaseConversation(sides[0])).toEqual([
			{ role: 'user', content: 'Please write a short poem about the sea and the wind at night.' },
			{ role: 'assistant', content: '# Sea\n**Waves** under the moon' }
		]);
	});
});
