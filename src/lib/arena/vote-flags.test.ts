// The vote's integrity flags from the battle's messages: identity words or model names anywhere,
// an answer that failed, an answer stopped or empty.
import { describe, expect, it } from 'vitest';
import type { StoredMessage } from '$lib/storage';
import { voteFlags } from './vote-flags';

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
