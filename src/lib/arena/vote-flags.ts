// The integrity flags a vote carries, computed in the browser from the battle's messages at vote time
// (nothing of the conversation is sent): FastChat's clean_battle_data.py leaves such battles off the board.
import type { ArenaVote } from '$lib/protocol/arena';
import { leakedIdentity } from '$lib/protocol/arena-integrity';
import type { StoredMessage } from '$lib/storage';

export type VoteFlags = Pick<ArenaVote, 'identity_leak' | 'answer_error' | 'unfinished'>;

/** Flags of a battle: `sides` are both sides' messages, `models` the two model ids. Only true flags are set. */
export function voteFlags(sides: readonly (readonly StoredMessage[])[], models: readonly string[]): VoteFlags {
	const flags: VoteFlags = {};
	const all = sides.flat();
	// As FastChat does, every message counts: a prompt asking "are you llama?" reveals as much as an answer.
	if (leakedIdentity(all.map((m) => m.content), models) !== null) flags.identity_leak = true;
	const answers = all.filter((m) => m.role === 'assistant');
	if (answers.some((m) => m.error)) flags.answer_error = true;
	if (answers.some((m) => !m.error && (m.stats?.finishReason === 'abort' || !m.content.trim()))) flags.unfinished = true;
	return flags;
}
