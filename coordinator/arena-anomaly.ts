// Anomalous voters, after the Chatbot Arena paper (arXiv 2403.04132, "detecting anomalous users"): each
// of a voter's votes gets a p-value against everyone else's votes on the same pair of models, the
// p-values are combined with Fisher's method, and the running combination is tested at a few
// checkpoints (Bonferroni over them). A voter whose votes are too unlike the crowd's is left off the board.
//
// The p-value of a vote is conformal: (1 + number of other votes on that pair whose outcome is at most
// as frequent as this one) / (number of other votes + 1). With no history it is 1, so a lone voter on a
// pair is never flagged. FastChat's repository has no code for this test; the parameters are ours.

export type AnomalyVote = { voter: string; model_a: string; model_b: string; winner: string };
export type AnomalyOptions = { alpha: number; checkpoints: readonly number[] };

/** A voter is tested after 5, 10, 20, 50 and 100 votes, at α = 0.05 in all. */
export const DEFAULT_ANOMALY: AnomalyOptions = { alpha: 0.05, checkpoints: [5, 10, 20, 50, 100] };

/** The vote as seen from the pair in name order: `a>b`, `b>a` flipped, ties unchanged. */
function oriented(v: AnomalyVote): { pair: string; outcome: string } {
	if (v.model_a <= v.model_b) return { pair: `${v.model_a}\0${v.model_b}`, outcome: v.winner };
	const outcome = v.winner === 'model_a' ? 'model_b' : v.winner === 'model_b' ? 'model_a' : v.winner;
	return { pair: `${v.model_b}\0${v.model_a}`, outcome };
}

/** P(χ² with 2k degrees of freedom ≥ x) = e^(−x/2) Σ_{i<k} (x/2)^i / i!: Fisher's combined p-value. */
export function chiSquareSurvivalEven(x: number, k: number): number {
	const h = x / 2;
	let term = Math.exp(-h);
	let sum = term;
	for (let i = 1; i < k; i++) {
		term *= h / i;
		sum += term;
	}
	return Math.min(1, sum);
}

/** The voters whose votes fail the sequential test. `votes` in the order they were cast. */
export function anomalousVoters(votes: readonly AnomalyVote[], options: AnomalyOptions = DEFAULT_ANOMALY): Set<string> {
	// Outcome counts per pair, overall and per voter (so a voter is compared with everyone else).
	const total = new Map<string, Map<string, number>>();
	const mine = new Map<string, Map<string, number>>();
	const byVoter = new Map<string, { pair: string; outcome: string }[]>();
	const bump = (m: Map<string, Map<string, number>>, key: string, outcome: string) => {
		const counts = m.get(key) ?? new Map<string, number>();
		counts.set(outcome, (counts.get(outcome) ?? 0) + 1);
		m.set(key, counts);
	};
	for (const v of votes) {
		const o = oriented(v);
		bump(total, o.pair, o.outcome);
		bump(mine, `${v.voter}\0${o.pair}`, o.outcome);
		const list = byVoter.get(v.voter) ?? [];
		list.push(o);
		byVoter.set(v.voter, list);
	}
	const threshold = options.alpha / options.checkpoints.length;
	const flagged = new Set<string>();
	for (const [voter, list] of byVoter) {
		if (list.length < Math.min(...options.checkpoints)) continue;
		let fisher = 0;
		list.forEach(({ pair, outcome }, i) => {
			if (flagged.has(voter)) return;
			const own = mine.get(`${voter}\0${pair}`)!;
			const others = new Map<string, number>();
			let n = 0;
			for (const [k, c] of total.get(pair)!) {
				const rest = c - (own.get(k) ?? 0);
				if (rest > 0) others.set(k, rest);
				n += rest;
			}
			const mineFreq = others.get(outcome) ?? 0;
			let asRare = 0;
			for (const c of others.values()) if (c <= mineFreq) asRare += c;
			const p = (1 + asRare) / (n + 1);
			fisher += -2 * Math.log(p);
			const j = i + 1;
			if (options.checkpoints.includes(j) && chiSquareSurvivalEven(fisher, j) <= threshold) flagged.add(voter);
		});
	}
	return flagged;
}
