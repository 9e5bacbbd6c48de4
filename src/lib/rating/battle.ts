// A battle is one arena vote in FastChat's "clean battle" shape; this module owns its schema,
// the fast validator used on big files, and the outcome coding the rating code shares.
//
// What counts (following FastChat's elo_analysis.py `report_elo_analysis_results`):
// - Only anonymous battles are rated (`battles[battles["anony"]]`). FastChat's files always carry
//   `anony`; ours may not (hand-made files, other datasets), so a battle counts unless it says
//   `anony: false`. Battles flagged `identity_leak`, `answer_error` or `unfinished` are not rated
//   either: FastChat's clean_battle_data.py drops them before its files are written; ours keep them.
// - 'tie (bothbad)' is NOT dropped: for the online Elo and for Bradley-Terry it is a tie exactly
//   like 'tie' (score 0.5 each side). FastChat drops both kinds of tie only for its win-fraction and
//   battle-count heatmaps (`battles_no_ties`), which win-rate.ts mirrors.
// - FastChat sorts battles by `tstamp` before the online Elo; the leaderboard does the same.
import { z } from 'zod';
import { BATTLE_EXTRA_FIELDS, BATTLE_EXTRA_SCHEMAS as ExtraSchemas, BATTLE_EXTRA_SHAPE, isCleanBattle, type ConvMetadata } from '../protocol/battle-fields';

export const WINNERS = ['model_a', 'model_b', 'tie', 'tie (bothbad)'] as const;
export type Winner = (typeof WINNERS)[number];

export { BATTLE_EXTRA_FIELDS, BATTLE_EXTRA_SHAPE, ConvMetadataSchema, isCleanBattle, type ConvMetadata } from '../protocol/battle-fields';

/** Copy the analysis fields present on `from` onto `to` (returns `to`). */
export function copyBattleExtras<T extends object>(from: Partial<Record<(typeof BATTLE_EXTRA_FIELDS)[number], unknown>>, to: T): T {
	for (const key of BATTLE_EXTRA_FIELDS) if (from[key] !== undefined) (to as Record<string, unknown>)[key] = from[key];
	return to;
}

export const BattleSchema = z
	.object({
		model_a: z.string().min(1),
		model_b: z.string().min(1),
		winner: z.enum(WINNERS),
		anony: z.boolean().optional(),
		tstamp: z.number().optional(),
		turn: z.number().int().nonnegative().optional(),
		...BATTLE_EXTRA_SHAPE
	})
	// A model against itself says nothing about strength (its BT term is constant) and would
	// double-update it in the online Elo, so such a line is rejected, not silently ignored.
	.refine((b) => b.model_a !== b.model_b, { message: 'model_a and model_b must differ', path: ['model_b'] });
export type Battle = z.infer<typeof BattleSchema>;

/** Outcome codes shared by the compact arrays: A won, B won, tie (either kind). */
export const A_WINS = 0;
export const B_WINS = 1;
export const TIE = 2;
export type Outcome = typeof A_WINS | typeof B_WINS | typeof TIE;

export function outcomeOf(winner: Winner): Outcome {
	return winner === 'model_a' ? A_WINS : winner === 'model_b' ? B_WINS : TIE;
}

/**
 * Battles that count for the leaderboard: every battle not marked `anony: false` and not flagged by
 * FastChat's clean_battle_data.py rules (`identity_leak`, `answer_error`, `unfinished`: such battles
 * stay in files and exports, but FastChat drops them before rating).
 */
export function filterCounted(battles: readonly Battle[]): Battle[] {
	return battles.filter((b) => b.anony !== false && isCleanBattle(b));
}

/**
 * Validate one decoded JSON value. The hand-written check accepts only values the schema also
 * accepts and builds the same stripped object; anything it is unsure of goes to zod, which then
 * decides and writes the message. So the fast path changes speed, never the verdict.
 */
export function toBattle(value: unknown): { battle: Battle } | { error: string } {
	const fast = fastBattle(value);
	if (fast) return { battle: fast };
	const parsed = BattleSchema.safeParse(value);
	if (parsed.success) return { battle: parsed.data };
	return { error: parsed.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ') };
}

function fastBattle(value: unknown): Battle | undefined {
	if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
	const v = value as Record<string, unknown>;
	const { model_a, model_b, winner, anony, tstamp, turn } = v;
	if (typeof model_a !== 'string' || typeof model_b !== 'string' || model_a === '' || model_b === '' || model_a === model_b) return undefined;
	if (winner !== 'model_a' && winner !== 'model_b' && winner !== 'tie' && winner !== 'tie (bothbad)') return undefined;
	// FastChat's records carry all three optional fields: build that common shape in one go.
	if (typeof anony === 'boolean' && typeof tstamp === 'number' && Number.isFinite(tstamp) && typeof turn === 'number' && Number.isInteger(turn) && turn >= 0) {
		return withExtras({ model_a, model_b, winner, anony, tstamp, turn }, v);
	}
	const battle: Battle = { model_a, model_b, winner };
	if (anony !== undefined) {
		if (typeof anony !== 'boolean') return undefined;
		battle.anony = anony;
	}
	if (tstamp !== undefined) {
		if (typeof tstamp !== 'number' || !Number.isFinite(tstamp)) return undefined;
		battle.tstamp = tstamp;
	}
	if (turn !== undefined) {
		if (typeof turn !== 'number' || !Number.isInteger(turn) || turn < 0) return undefined;
		battle.turn = turn;
	}
	return withExtras(battle, v);
}

/** Copy the optional analysis fields that are present, each checked by its own small schema. */
function withExtras(battle: Battle, v: Record<string, unknown>): Battle | undefined {
	for (const key of BATTLE_EXTRA_FIELDS) {
		const value = v[key];
		if (value === undefined) continue;
		if (key === 'conv_metadata') {
			const fast = fastConvMetadata(value);
			if (fast) {
				battle.conv_metadata = fast;
				continue;
			}
		}
		const parsed = ExtraSchemas[key].safeParse(value);
		if (!parsed.success) return undefined; // the whole-record schema then writes the message
		(battle as Record<string, unknown>)[key] = parsed.data;
	}
	return battle;
}

const isCount = (x: unknown) => typeof x === 'number' && Number.isInteger(x) && x >= 0;
const META_COUNTS = ['sum_user_tokens', 'sum_assistant_a_tokens', 'sum_assistant_b_tokens', 'context_a_tokens', 'context_b_tokens'] as const;
const META_OBJECTS = ['header_count_a', 'header_count_b', 'list_count_a', 'list_count_b', 'bold_count_a', 'bold_count_b'] as const;

/** The schema's check of conv_metadata by hand (zod is ~4× slower on big files); undefined when unsure. */
function fastConvMetadata(value: unknown): ConvMetadata | undefined {
	if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
	const v = value as Record<string, unknown>;
	for (const key of META_COUNTS) if (!isCount(v[key])) return undefined;
	if (v.turns !== undefined && !isCount(v.turns)) return undefined;
	const out: Record<string, unknown> = { ...v };
	for (const key of META_OBJECTS) {
		const counts = v[key];
		if (typeof counts !== 'object' || counts === null || Array.isArray(counts) || Object.getPrototypeOf(counts) !== Object.prototype) return undefined;
		for (const c of Object.values(counts)) if (!isCount(c)) return undefined;
		out[key] = { ...counts };
	}
	return out as ConvMetadata;
}

/** Battles in model-index form: the shape every rating computation runs on. */
export type IndexedBattles = {
	models: string[];
	a: Int32Array;
	b: Int32Array;
	outcome: Uint8Array;
};

/** Number the models in order of first appearance (like pandas.factorize) and code outcomes. */
export function indexBattles(battles: readonly Battle[]): IndexedBattles {
	const ids = new Map<string, number>();
	const models: string[] = [];
	const id = (name: string): number => {
		let i = ids.get(name);
		if (i === undefined) {
			i = models.length;
			ids.set(name, i);
			models.push(name);
		}
		return i;
	};
	const n = battles.length;
	const a = new Int32Array(n);
	const b = new Int32Array(n);
	const outcome = new Uint8Array(n);
	for (let k = 0; k < n; k++) {
		const battle = battles[k];
		a[k] = id(battle.model_a);
		b[k] = id(battle.model_b);
		outcome[k] = outcomeOf(battle.winner);
	}
	return { models, a, b, outcome };
}

/** Battles in time order (stable) when every battle has a timestamp; otherwise as given. */
export function sortByTimestamp(battles: readonly Battle[]): readonly Battle[] {
	let sorted = true;
	for (let k = 0; k < battles.length; k++) {
		const t = battles[k].tstamp;
		if (t === undefined) return battles;
		if (k > 0 && t < (battles[k - 1].tstamp as number)) sorted = false;
	}
	return sorted ? battles : [...battles].sort((x, y) => (x.tstamp as number) - (y.tstamp as number));
}
