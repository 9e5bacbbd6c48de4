// The optional analysis fields of an arena battle / vote (issue 11 item 1), as wire types: FastChat's
// clean-battle `language` and `conv_metadata`, the hashed voter id, deduplication tag and our flags.
// Shared by the rating code (rating/battle.ts: battle files) and the arena vote (arena.ts), so a
// vote keeps every field through the browser's store, import and export.
import { z } from 'zod';

const count = z.number().int().nonnegative();

/**
 * FastChat's `conv_metadata` (clean_battle_data + add_markdown_info.py): token counts and the
 * markdown element counts of each side, each count object keyed per element kind, as FastChat
 * writes them. Computed by rating/conv-metadata.ts. Unknown keys are kept (FastChat adds more over time).
 */
export const ConvMetadataSchema = z.looseObject({
	sum_user_tokens: count,
	sum_assistant_a_tokens: count,
	sum_assistant_b_tokens: count,
	context_a_tokens: count,
	context_b_tokens: count,
	turns: count.optional(),
	header_count_a: z.record(z.string(), count),
	header_count_b: z.record(z.string(), count),
	list_count_a: z.record(z.string(), count),
	list_count_b: z.record(z.string(), count),
	bold_count_a: z.record(z.string(), count),
	bold_count_b: z.record(z.string(), count)
});
export type ConvMetadata = z.infer<typeof ConvMetadataSchema>;

/** The optional analysis fields a battle may carry; each is kept through import and export. */
export const BATTLE_EXTRA_SCHEMAS = {
	/** Language of the first user turn, by name as FastChat writes it ("English", "unknown"). */
	language: z.string().min(1),
	conv_metadata: ConvMetadataSchema,
	/** FastChat's voter field; ours holds a hashed voter id, never an address. */
	judge: z.string().min(1),
	question_id: z.string().min(1),
	/** deduplication.py's tag. */
	dedup_tag: z.looseObject({ high_freq: z.boolean(), sampled: z.boolean() }),
	/** Our flags from rating/conv-metadata.ts and arena/vote-flags.ts (FastChat keeps these as categories / drops the battle). */
	is_code: z.boolean(),
	identity_leak: z.boolean(),
	/** An answer ended in an error (clean_battle_data.py drops such battles). */
	answer_error: z.boolean(),
	/** An answer was stopped or is empty (clean_battle_data.py's "unfinished"). */
	unfinished: z.boolean()
} as const;
export const BATTLE_EXTRA_FIELDS = Object.keys(BATTLE_EXTRA_SCHEMAS) as Array<keyof typeof BATTLE_EXTRA_SCHEMAS>;

/** The analysis fields as an optional zod shape, for records that extend a battle (a stored vote: `z.object({ …, ...BATTLE_EXTRA_SHAPE })`). */
export const BATTLE_EXTRA_SHAPE = {
	language: BATTLE_EXTRA_SCHEMAS.language.optional(),
	conv_metadata: BATTLE_EXTRA_SCHEMAS.conv_metadata.optional(),
	judge: BATTLE_EXTRA_SCHEMAS.judge.optional(),
	question_id: BATTLE_EXTRA_SCHEMAS.question_id.optional(),
	dedup_tag: BATTLE_EXTRA_SCHEMAS.dedup_tag.optional(),
	is_code: BATTLE_EXTRA_SCHEMAS.is_code.optional(),
	identity_leak: BATTLE_EXTRA_SCHEMAS.identity_leak.optional(),
	answer_error: BATTLE_EXTRA_SCHEMAS.answer_error.optional(),
	unfinished: BATTLE_EXTRA_SCHEMAS.unfinished.optional()
};

/** The flags that keep a battle off the board, as FastChat's clean_battle_data.py drops it. */
export const EXCLUDING_FLAGS = ['identity_leak', 'answer_error', 'unfinished'] as const;

/** Whether a battle's own flags let it count (it names no model, and both answers finished without error). */
export function isCleanBattle(b: Partial<Record<(typeof EXCLUDING_FLAGS)[number], boolean>>): boolean {
	return !EXCLUDING_FLAGS.some((flag) => b[flag] === true);
}

