// Writes src/lib/rating/fixtures/style-battles.jsonl: deterministic arena battles whose winners
// carry a known length bias, for the style-control tests and the FastChat reference numbers
// (see src/lib/rating/fixtures/README.md). Run: npx tsx scripts/generate-style-battles.ts
//
// Six models with hidden true ratings; some are verbose (long answers) and weak, so the raw board
// over-rates them. P(A wins) = σ(ln10·(R_a − R_b)/400 + γ·(ℓ_a − ℓ_b)/(ℓ_a + ℓ_b + 1)) with γ = 1.5 on
// answer tokens ℓ; ties keep E[score] at that probability (as synthetic.ts). Markdown counts are
// drawn independently of everything, so their coefficients should be near zero.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Battle } from '#rating/battle';
import { createRng } from '#rating/prng';

export const STYLE_FIXTURE_MODELS = [
	{ name: 'alpha', rating: 1150, meanTokens: 250 },
	{ name: 'bravo', rating: 1100, meanTokens: 300 },
	{ name: 'charlie', rating: 1050, meanTokens: 900 },
	{ name: 'delta', rating: 1000, meanTokens: 260 },
	{ name: 'echo', rating: 950, meanTokens: 1000 },
	{ name: 'foxtrot', rating: 900, meanTokens: 450 }
];
export const LENGTH_BIAS = 1.5;
const BATTLES = 4000;
const TIE_SHARE = 0.3;

export function generateStyleBattles(seed = 2024): Battle[] {
	const rng = createRng(seed);
	const models = STYLE_FIXTURE_MODELS;
	const normal = () => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
	const int = (max: number) => Math.floor(rng.next() * (max + 1));
	const battles: Battle[] = [];
	for (let k = 0; k < BATTLES; k++) {
		const i = Math.floor(rng.next() * models.length);
		let j = Math.floor(rng.next() * (models.length - 1));
		if (j >= i) j++;
		const la = Math.max(1, Math.round(models[i].meanTokens * Math.exp(0.35 * normal())));
		const lb = Math.max(1, Math.round(models[j].meanTokens * Math.exp(0.35 * normal())));
		const logit = (Math.LN10 * (models[i].rating - models[j].rating)) / 400 + (LENGTH_BIAS * (la - lb)) / (la + lb + 1);
		const p = 1 / (1 + Math.exp(-logit));
		const tie = TIE_SHARE * Math.min(p, 1 - p);
		const u = rng.next();
		const winner = u < p - tie ? 'model_a' : u < p + tie ? 'tie' : 'model_b';
		const userTokens = 5 + int(60);
		battles.push({
			model_a: models[i].name,
			model_b: models[j].name,
			winner,
			anony: true,
			tstamp: 1_700_000_000 + k * 3,
			turn: 1,
			language: 'English',
			conv_metadata: {
				sum_user_tokens: userTokens,
				sum_assistant_a_tokens: la,
				sum_assistant_b_tokens: lb,
				context_a_tokens: userTokens,
				context_b_tokens: userTokens,
				turns: 1,
				header_count_a: { h1: int(1), h2: int(2), h3: int(2), h4: 0, h5: 0, h6: 0 },
				header_count_b: { h1: int(1), h2: int(2), h3: int(2), h4: 0, h5: 0, h6: 0 },
				list_count_a: { ordered: int(4), unordered: int(4) },
				list_count_b: { ordered: int(4), unordered: int(4) },
				bold_count_a: { '**': int(5), __: 0 },
				bold_count_b: { '**': int(5), __: 0 }
			}
		});
	}
	return battles;
}

if (process.argv[1]?.endsWith('generate-style-battles.ts')) {
	const dir = join(import.meta.dirname, '..', 'src', 'lib', 'rating', 'fixtures');
	const seed = 2024;
	writeFileSync(join(dir, 'style-battles.jsonl'), generateStyleBattles(seed).map((b) => JSON.stringify(b)).join('\n') + '\n');
	const truth = { seed, battles: BATTLES, length_bias: LENGTH_BIAS, tie_share: TIE_SHARE, models: STYLE_FIXTURE_MODELS };
	writeFileSync(join(dir, 'style-battles.truth.json'), JSON.stringify(truth, null, '\t') + '\n');
	console.log(`wrote ${BATTLES} battles and their generating ratings to ${dir}`);
}
