// FastChat's MT-bench constants (fastchat/llm_judge/common.py and gen_*.py), in one place.

/** The eight MT-bench categories, in FastChat's order. */
export const CATEGORIES = ['writing', 'roleplay', 'reasoning', 'math', 'coding', 'extraction', 'stem', 'humanities'] as const;
export type Category = (typeof CATEGORIES)[number];

/** Sampling temperature per category for answers (FastChat's `temperature_config`): greedy where there is one right answer. */
export const TEMPERATURE_CONFIG: Readonly<Record<string, number>> = {
	writing: 0.7,
	roleplay: 0.7,
	extraction: 0.0,
	math: 0.0,
	coding: 0.0,
	reasoning: 0.0,
	stem: 0.1,
	humanities: 0.1
};
/** A category FastChat does not know is answered at 0.7. */
export const DEFAULT_TEMPERATURE = 0.7;

export function temperatureFor(category: string): number {
	return Object.hasOwn(TEMPERATURE_CONFIG, category) ? TEMPERATURE_CONFIG[category] : DEFAULT_TEMPERATURE;
}

/** Categories judged against a reference answer (FastChat's `NEED_REF_CATS`). */
export const NEED_REF_CATS: readonly string[] = ['math', 'reasoning', 'coding'];

export function needsReference(category: string): boolean {
	return NEED_REF_CATS.includes(category);
}

/** Two scores this close are a tie (FastChat's `TIE_DELTA`, for `[[rating_a,rating_b]]` prompts). */
export const TIE_DELTA = 0.1;

/** FastChat answers with at most this many new tokens per turn. */
export const DEFAULT_MAX_NEW_TOKENS = 1024;
/** FastChat asks OpenAI judges for at most 2048 tokens, at temperature 0. */
export const JUDGE_MAX_TOKENS = 2048;
export const JUDGE_TEMPERATURE = 0;

/** The judge prompts each mode needs, by role (FastChat's make_judge_single / make_judge_pairwise). */
export const SINGLE_PROMPTS = { default: 'single-v1', math: 'single-math-v1', defaultMultiTurn: 'single-v1-multi-turn', mathMultiTurn: 'single-math-v1-multi-turn' } as const;
export const PAIR_PROMPTS = { default: 'pair-v2', math: 'pair-math-v1', defaultMultiTurn: 'pair-v2-multi-turn', mathMultiTurn: 'pair-math-v1-multi-turn' } as const;

export const MODES = ['single', 'pairwise-baseline', 'pairwise-all'] as const;
export type Mode = (typeof MODES)[number];
