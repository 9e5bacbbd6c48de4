// Leaderboard categories and filters, after FastChat's leaderboard (monitor.py / monitor_md.py
// category names, elo_analysis.py's report_elo_analysis_results filters):
//   full       every battle ("Overall")
//   multiturn  more than one turn (turn > 1)
//   long_user  "Longer Query": the user turns hold ≥ 500 tokens (conv_metadata.sum_user_tokens)
//   coding     the prompt was detected as code (is_code, conv-metadata.ts's simple detector)
//   <language> the first prompt's language, lower case ("english", "chinese", …), offered only
//              when it has at least MIN_LANGUAGE_VOTES battles; "unknown" is never a category
// Filters, applied before the anonymous-only rule as FastChat does: drop every battle involving an
// excluded model (exclude_models), and drop ties of both kinds (exclude_tie).
// A battle that lacks the field a category needs is not in that category.
import type { Battle } from './battle';

export const LONG_USER_TOKENS = 500;
export const MIN_LANGUAGE_VOTES = 100;

export const FIXED_CATEGORIES = ['full', 'multiturn', 'long_user', 'coding'] as const;

export const CATEGORY_LABELS: Record<string, string> = {
	full: 'Overall',
	multiturn: 'Multi-Turn',
	long_user: 'Longer Query',
	coding: 'Coding'
};

export type CategoryInfo = { name: string; label: string; battles: number };

const languageKey = (language: string) => language.toLowerCase();

/** The predicate of a category name; undefined for a name that is neither fixed nor a language name. */
export function categoryFilter(name: string): ((b: Battle) => boolean) | undefined {
	switch (name) {
		case 'full':
			return () => true;
		case 'multiturn':
			return (b) => (b.turn ?? b.conv_metadata?.turns ?? 1) > 1;
		case 'long_user':
			return (b) => (b.conv_metadata?.sum_user_tokens ?? 0) >= LONG_USER_TOKENS;
		case 'coding':
			return (b) => b.is_code === true;
		default:
			if (!/^[\p{L} ()-]+$/u.test(name) || name === 'unknown') return undefined;
			return (b) => b.language !== undefined && languageKey(b.language) === name.toLowerCase();
	}
}

/** The categories a set of battles offers: the fixed ones, then languages with enough battles (most first). */
export function availableCategories(battles: readonly Battle[], minLanguageVotes = MIN_LANGUAGE_VOTES): CategoryInfo[] {
	const fixed = FIXED_CATEGORIES.map((name): CategoryInfo => {
		const keep = categoryFilter(name) as (b: Battle) => boolean;
		return { name, label: CATEGORY_LABELS[name], battles: battles.filter(keep).length };
	});
	const languages = new Map<string, { label: string; battles: number }>();
	for (const b of battles) {
		if (!b.language || b.language === 'unknown') continue;
		const key = languageKey(b.language);
		const entry = languages.get(key) ?? { label: b.language, battles: 0 };
		entry.battles++;
		languages.set(key, entry);
	}
	const langs = [...languages]
		.filter(([, v]) => v.battles >= minLanguageVotes)
		.sort((x, y) => y[1].battles - x[1].battles || (x[0] < y[0] ? -1 : 1))
		.map(([name, v]): CategoryInfo => ({ name, label: v.label, battles: v.battles }));
	return [...fixed, ...langs];
}

export type BattleFilterOptions = {
	category?: string;
	excludeModels?: readonly string[];
	excludeTies?: boolean;
};

/** The battles of a category, less excluded models and (if asked) ties. Throws on an unknown category name. */
export function filterBattles(battles: readonly Battle[], options: BattleFilterOptions = {}): Battle[] {
	const { category = 'full', excludeModels = [], excludeTies = false } = options;
	const inCategory = categoryFilter(category);
	if (!inCategory) {
		throw new Error(
			`unknown category "${category}": use one of ${FIXED_CATEGORIES.join(', ')} or a language name such as "english" (see the leaderboard's category list).`
		);
	}
	const excluded = new Set(excludeModels);
	return battles.filter(
		(b) => inCategory(b) && !excluded.has(b.model_a) && !excluded.has(b.model_b) && !(excludeTies && (b.winner === 'tie' || b.winner === 'tie (bothbad)'))
	);
}
