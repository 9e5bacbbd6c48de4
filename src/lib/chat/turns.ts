// Turn arithmetic for trimming a conversation to fit a model's context: a turn is one user message and
// the answers after it. Pure, so the rule can be tested without an engine.
import type { StoredMessage } from '$lib/storage';

/**
 * The messages without their oldest turn, or null when nothing may go: the last user message (and what
 * follows it) always stays, because without it there is nothing to answer.
 */
export function dropOldestTurn(messages: readonly StoredMessage[]): StoredMessage[] | null {
	const lastUser = messages.findLastIndex((m) => m.role === 'user');
	if (lastUser <= 0) return null;
	// Everything before the second user message: the first turn, plus any stray answers leading it.
	const next = messages.findIndex((m, i) => i > 0 && m.role === 'user');
	return messages.slice(next);
}
