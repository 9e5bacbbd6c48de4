// What the operator reads at start-up about browser workers: whether tabs may join, and how to let them.
// Join tokens are configured (LUMEN_JOIN_TOKENS or `join_tokens` in the config file), never printed.
import { BROWSER_WORKER_PATH } from '#protocol/browser-worker';

export function describeJoinTokens(tokens: readonly string[], coordinatorUrl: string): string[] {
	if (tokens.length === 0)
		return [
			'Browser tabs cannot serve models here: no join tokens are set. To let them, start with one (comma-separate several), e.g.',
			`  LUMEN_JOIN_TOKENS="$(node -p "require('crypto').randomBytes(24).toString('base64url')")" node bin/lumen.js serve`,
			`then give the token to the people who may serve: they open ${coordinatorUrl}/serve and enter it.`
		];
	const ws = coordinatorUrl.replace(/^http/, 'ws') + BROWSER_WORKER_PATH;
	return [
		`Browser tabs may serve models here with ${tokens.length === 1 ? 'the join token' : `one of the ${tokens.length} join tokens`} from LUMEN_JOIN_TOKENS (open ${coordinatorUrl}/serve; they connect to ${ws}).`
	];
}
