import { describe, expect, it } from 'vitest';
import { describeJoinTokens } from './join-tokens';

describe('describeJoinTokens', () => {
	it('says how to add a token when none is set, and never prints the tokens it has', () => {
		expect(describeJoinTokens([], 'http://h:1').join('\n')).toMatch(/no join tokens are set.*LUMEN_JOIN_TOKENS=/s);
		expect(describeJoinTokens(['secret-one'], 'http://h:1')).toEqual([
			'Browser tabs may serve models here with the join token from LUMEN_JOIN_TOKENS (open http://h:1/serve; they connect to ws://h:1/workers/browser).'
		]);
		const two = describeJoinTokens(['secret-one', 'secret-two'], 'https://h');
		expect(two[0]).toMatch(/with one of the 2 join tokens from LUMEN_JOIN_TOKENS .*wss:\/\/h\/workers\/browser/);
		expect(two.join('')).not.toMatch(/secret/);
	});
});
