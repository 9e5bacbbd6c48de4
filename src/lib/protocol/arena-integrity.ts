// Arena integrity rules shared by the arena page and the coordinator: FastChat-like limits on a
// battle's turns and characters, the identity-leak check of FastChat's clean_battle_data.py, and
// the wire shapes of the moderation call the page makes before a prompt enters a public battle.
import { z } from 'zod';
import { LumenError, errorText } from './errors';

/** FastChat's CONVERSATION_TURN_LIMIT (50) and INPUT_CHAR_LEN_LIMIT (12,000); its blind-mode limit (30,000) bounds a whole battle. */
export const ArenaLimitsSchema = z.object({
	max_turns: z.number().int().positive(),
	max_prompt_chars: z.number().int().positive(),
	max_battle_chars: z.number().int().positive()
});
export type ArenaLimits = z.infer<typeof ArenaLimitsSchema>;

export const DEFAULT_ARENA_LIMITS: ArenaLimits = { max_turns: 50, max_prompt_chars: 12_000, max_battle_chars: 30_000 };

/**
 * Why a prompt may not enter the battle under these limits, in words a person can act on (a 400 naming
 * `text`); null when it may. `turns` and `chars` are what the battle already holds (the person's messages and
 * their characters).
 */
export function limitProblem(limits: ArenaLimits, turns: number, chars: number, prompt: string): LumenError | null {
	const refuse = (message: string, i18n: ReturnType<typeof errorText>) => new LumenError('bad_request', message, false, { param: 'text', i18n });
	if (turns >= limits.max_turns)
		return refuse(
			`This battle has reached its limit of ${limits.max_turns} turns. Vote, then press "New round" to start another.`,
			errorText('error.text.arenaTurns', { limit: limits.max_turns })
		);
	if (prompt.length > limits.max_prompt_chars)
		return refuse(
			`The message has ${prompt.length} characters; an arena message may have at most ${limits.max_prompt_chars}. Shorten it and send again.`,
			errorText('error.text.arenaPromptChars', { chars: prompt.length, limit: limits.max_prompt_chars })
		);
	if (chars + prompt.length > limits.max_battle_chars)
		return refuse(
			`This battle would exceed its limit of ${limits.max_battle_chars} characters of messages. Vote, then press "New round" to start another.`,
			errorText('error.text.arenaBattleChars', { limit: limits.max_battle_chars })
		);
	return null;
}

/**
 * FastChat's IDENTITY_WORDS (clean_battle_data.py): a battle in which any message names one of them
 * (or either model) reveals who answered and is left off the board. Lower-case; matched as substrings,
 * as FastChat does. Its error strings are not here: an errored answer is flagged as an error instead.
 */
export const IDENTITY_WORDS: readonly string[] = [
	'vicuna',
	'lmsys',
	'koala',
	'uc berkeley',
	'open assistant',
	'laion',
	'chatglm',
	'chatgpt',
	'gpt-4',
	'openai',
	'anthropic',
	'claude',
	'bard',
	'palm',
	'lamda',
	'google',
	'gemini',
	'llama',
	'qianwan',
	'qwen',
	'alibaba',
	'mistral',
	'zhipu',
	'keg lab',
	'01.ai',
	'ai2',
	'tülu',
	'tulu',
	'deepseek',
	'hermes',
	'cohere',
	'dbrx',
	'databricks'
];

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The identity word (or model name) the texts reveal, or null. `models` are the battle's two model ids,
 * matched as whole words (so a model called `a` does not match every "a").
 */
export function leakedIdentity(texts: readonly string[], models: readonly string[]): string | null {
	const all = texts.join('\n').toLowerCase();
	for (const word of IDENTITY_WORDS) if (all.includes(word)) return word;
	for (const model of models) {
		const name = model.toLowerCase();
		if (name && new RegExp(`(^|[^\\p{L}\\p{N}])${escape(name)}($|[^\\p{L}\\p{N}])`, 'u').test(all)) return name;
	}
	return null;
}

/** POST /api/arena/moderate: the page asks before a prompt enters a battle the coordinator issued. */
export const ModerateRequestSchema = z.object({
	battle_id: z.string().min(1).max(100),
	text: z.string(),
	/** The browser's anonymous id (random, kept in this browser), hashed with the client's address. */
	voter_id: z.string().min(1).max(100).optional()
});
export type ModerateRequest = z.infer<typeof ModerateRequestSchema>;

export const ModerateResponseSchema = z.object({
	flagged: z.boolean(),
	/** Moderation categories that flagged it (OpenAI's names, or `word_list`). */
	categories: z.array(z.string()),
	/** For a flagged prompt: what to tell the person. */
	message: z.string().optional()
});
export type ModerateResponse = z.infer<typeof ModerateResponseSchema>;

/** FastChat's MODERATION_MSG, in Lumen's words. */
export const MODERATION_MESSAGE = 'This message was not sent: it goes against the arena\'s content rules. Rephrase it and try again.';
