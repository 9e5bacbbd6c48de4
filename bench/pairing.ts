// Does the `active` pairing policy (src/lib/rating/pairing.ts + active-pairing.ts) reach a given
// leaderboard precision with fewer votes than uniform pairing?
// 8 models with hidden true ratings (src/lib/rating/synthetic.ts: evenly spaced over 1000 ± 200,
// shuffled), 10,000 simulated battles per run drawn by each policy through pairModels, outcomes from
// Bradley-Terry with ties (synthetic.ts's tie model). Every CHECK votes the 95% bootstrap intervals
// (100 rounds, as the leaderboard) are computed; the mean width is averaged over RUNS seeds. The
// targets are the mean widths uniform pairing has after a quarter, half and all of its votes; the
// bench prints the votes each policy needed to reach each and the ratio active / uniform (< 1 means
// active needs fewer). The exit code gates the last target of the first scenario.
// The active policy's statistics are rebuilt every REFRESH votes, like the coordinator's cache.
// Two scenarios, both printed:
// - "two new models" (the gated one): 6 of the 8 models already have HISTORY votes among themselves
//   (uniformly paired, as an arena that has run a while); 2 models join and the 10,000 battles
//   start. This is what active sampling is for: votes go where the intervals are wide.
// - "cold start": all 8 models start with no votes. Evenly spaced models paired uniformly are
//   already close to the best design here (the analytic optimum is under 2% narrower), so expect
//   a ratio near 1; it is printed for honesty, not gated.
// Usage: npm run bench:pairing   (or: tsx bench/pairing.ts --runs 8 --battles 10000); about a minute.
import { parseArgs } from 'node:util';
import { ActivePairing } from '#rating/active-pairing';
import type { Battle } from '#rating/battle';
import { indexBattles } from '#rating/battle';
import { bootstrapBradleyTerry } from '#rating/bootstrap';
import { fitBradleyTerry, toRatingScale } from '#rating/bradley-terry';
import { countPairs } from '#rating/pair-counts';
import { pairModels, seededRng, type PairingPolicy, type Rng } from '#rating/pairing';
import { generateBattles } from '#rating/synthetic';
import { fmt, printTable } from './support';

const { values } = parseArgs({
	options: {
		runs: { type: 'string', default: '8' },
		battles: { type: 'string', default: '10000' },
		models: { type: 'string', default: '8' },
		check: { type: 'string', default: '250' },
		refresh: { type: 'string', default: '10' },
		rounds: { type: 'string', default: '100' },
		history: { type: 'string', default: '6000' }
	}
});
const RUNS = Number(values.runs);
const BATTLES = Number(values.battles);
const MODELS = Number(values.models);
const CHECK = Number(values.check);
const REFRESH = Number(values.refresh);
const ROUNDS = Number(values.rounds);
const HISTORY = Number(values.history);
const ESTABLISHED = 6;
const TIE_SHARE = 0.3;

/** One battle's outcome between a and b: synthetic.ts's Bradley-Terry-with-ties model. */
function outcome(rng: Rng, ra: number, rb: number): Battle['winner'] {
	const p = 1 / (1 + Math.pow(10, (rb - ra) / 400));
	const tie = TIE_SHARE * Math.min(p, 1 - p);
	const u = rng();
	return u < p - tie ? 'model_a' : u < p + tie ? 'tie' : 'model_b';
}

type Trace = { widths: number[]; rmse: number };

type Scenario = 'new-models' | 'cold-start';

function simulate(policy: PairingPolicy, seed: number, scenario: Scenario): Trace {
	const { trueRatings } = generateBattles({ models: MODELS, battles: 0, seed });
	const models = [...trueRatings.keys()];
	const candidates = models.map((id) => ({ id }));
	const drawRng = seededRng(seed * 7919 + 1);
	const voteRng = seededRng(seed * 104729 + 2);
	const battles: Battle[] = [];
	if (scenario === 'new-models') {
		// The same history for both policies: its own generators, seeded by the run.
		const historyDraw = seededRng(seed * 31 + 3);
		const historyVote = seededRng(seed * 37 + 4);
		const established = candidates.slice(0, ESTABLISHED);
		for (let t = 0; t < HISTORY; t++) {
			const [a, b] = pairModels(established, historyDraw, { policy: 'uniform' })!;
			battles.push({ model_a: a, model_b: b, winner: outcome(historyVote, trueRatings.get(a)!, trueRatings.get(b)!) });
		}
	}
	const widths: number[] = [];
	let active: ActivePairing | undefined;
	let rmse = NaN;
	for (let t = 0; t < BATTLES; t++) {
		if (policy === 'active' && t % REFRESH === 0) active = ActivePairing.fromBattles(battles);
		const [a, b] = pairModels(candidates, drawRng, { policy, active })!;
		battles.push({ model_a: a, model_b: b, winner: outcome(voteRng, trueRatings.get(a)!, trueRatings.get(b)!) });
		if ((t + 1) % CHECK === 0) {
			const counts = countPairs(indexBattles(battles));
			const theta = fitBradleyTerry(counts);
			const boot = bootstrapBradleyTerry(counts, theta, { rounds: ROUNDS, seed: 42 });
			let w = 0;
			for (let i = 0; i < counts.models.length; i++) w += (boot.upper[i] - boot.lower[i]) / counts.models.length;
			widths.push(w);
			if (t + 1 === BATTLES) {
				const r = toRatingScale(theta, counts.models);
				rmse = Math.sqrt(counts.models.reduce((s, m, i) => s + (r[i] - trueRatings.get(m)!) ** 2, 0) / counts.models.length);
			}
		}
	}
	return { widths, rmse };
}

function average(traces: Trace[]): number[] {
	return traces[0].widths.map((_, k) => traces.reduce((s, tr) => s + tr.widths[k], 0) / traces.length);
}

/** Votes after which the averaged mean width first reaches `target` (linear between checkpoints); Infinity if never. */
function votesToReach(widths: number[], target: number): number {
	for (let k = 0; k < widths.length; k++) {
		if (widths[k] > target) continue;
		if (k === 0) return CHECK;
		const f = (widths[k - 1] - target) / (widths[k - 1] - widths[k]);
		return CHECK * k + f * CHECK;
	}
	return Infinity;
}

function runScenario(scenario: Scenario, title: string): { uniformVotes: number; activeVotes: number } {
	const seeds = Array.from({ length: RUNS }, (_, i) => 11 + i);
	const results = new Map<PairingPolicy, { widths: number[]; rmse: number }>();
	for (const policy of ['uniform', 'active'] as const) {
		const traces = seeds.map((s) => simulate(policy, s, scenario));
		results.set(policy, { widths: average(traces), rmse: traces.reduce((s, t) => s + t.rmse, 0) / traces.length });
	}
	const uniform = results.get('uniform')!;
	const active = results.get('active')!;
	console.log(`\n${title}`);
	printTable(
		['votes', 'uniform mean CI width', 'active mean CI width'],
		uniform.widths
			.map((w, k) => [String((k + 1) * CHECK), fmt(w, 1), fmt(active.widths[k], 1)])
			.filter((_, k) => (k + 1) % Math.max(1, Math.round(1000 / CHECK)) === 0)
	);
	console.log(`RMSE of the final ratings against the true ones: uniform ${fmt(uniform.rmse, 1)}, active ${fmt(active.rmse, 1)} rating points`);
	// Targets: the widths uniform pairing has after a quarter, half and all of the votes.
	const rows: string[][] = [];
	let uniformVotes = NaN;
	let activeVotes = NaN;
	for (const share of [0.25, 0.5, 1]) {
		const target = uniform.widths[Math.round((share * BATTLES) / CHECK) - 1];
		const u = votesToReach(uniform.widths, target);
		const a = votesToReach(active.widths, target);
		rows.push([fmt(target, 2), fmt(u, 0), Number.isFinite(a) ? fmt(a, 0) : `not in ${BATTLES}`, Number.isFinite(a) ? fmt(a / u, 3) : '> 1']);
		if (share === 1) [uniformVotes, activeVotes] = [u, a];
	}
	printTable(['target mean CI width', 'uniform votes', 'active votes', 'ratio active / uniform'], rows);
	return { uniformVotes, activeVotes };
}

const started = performance.now();
console.log(
	`Pairing bench: ${MODELS} models (true ratings 1000 ± 200), ${BATTLES} battles per run, ${RUNS} runs, mean width of 95% bootstrap intervals (${ROUNDS} rounds) every ${CHECK} votes`
);
const gated = runScenario('new-models', `Two new models: ${ESTABLISHED} models start with ${HISTORY} votes among themselves, ${MODELS - ESTABLISHED} join with none`);
runScenario('cold-start', `Cold start: all ${MODELS} models start with no votes (not gated)`);
console.log(`\n(${((performance.now() - started) / 1000).toFixed(1)} s)`);
if (!(gated.activeVotes < gated.uniformVotes)) {
	console.error('FAIL: with two new models, the active policy did not reach the target width with fewer votes than uniform pairing.');
	process.exitCode = 1;
}
