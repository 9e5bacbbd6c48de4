// What a vote carries about its battle, computed in the browser from both sides' messages at vote time
// (nothing of the conversation is sent unless the person opted in): the integrity flags FastChat's
// clean_battle_data.py drops battles for, and the analysis fields its leaderboard uses (language,
// conv_metadata for style control, the coding flag for the category tab) from rating/conv-metadata.ts.
import type { ArenaVote, SharedConversation } from '$lib/protocol/arena';
import { leakedIdentity } from '$lib/protocol/arena-integrity';
import { analyseBattle, type TokenCounter } from '$lib/rating/conv-metadata';
import type { StoredMessage } from '$lib/storage';

export type VoteFlags = Pick<ArenaVote, 'identity_leak' | 'answer_error' | 'unfinished'>;
export type VoteAnalysis = VoteFlags & Pick<ArenaVote, 'language' | 'conv_metadata' | 'is_code'>;

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

/** One side as FastChat's `conversation_a`/`conversation_b`: the person's and the model's turns, in OpenAI's shape. */
export function releaseConversation(messages: readonly StoredMessage[]): SharedConversation['conversation_a'] {
	return messages.flatMap((m) => (m.role === 'user' || m.role === 'assistant' ? [{ role: m.role, content: m.content }] : []));
}

/**
 * The flags plus the analysis fields. `tokens` is FastChat's cl100k counter (loaded on demand); without
 * it (the table failed to load) the vote still carries the flags, language and coding flag, and only
 * style control will leave it out for want of `conv_metadata`.
 */
export function analyseVote(sides: readonly [readonly StoredMessage[], readonly StoredMessage[]], models: readonly string[], tokens: TokenCounter | null): VoteAnalysis {
	const flags = voteFlags(sides, models);
	const [a, b] = sides.map(releaseConversation);
	const analysis = analyseBattle(a, b, tokens ?? (() => 0), models);
	return { language: analysis.language, ...(tokens ? { conv_metadata: analysis.conv_metadata } : {}), is_code: analysis.is_code, ...flags };
}
