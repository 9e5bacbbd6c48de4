// Seeded randomness for the bootstrap: xoshiro128** (seeded through splitmix32), exact binomial
// and multinomial draws. Same seed, same numbers, in Node and in every browser.
//
// Binomial(n, p), p ≤ 1/2 (else n − Binomial(n, 1 − p)):
// - n·p < 10: inversion (Kachitvichyanukul & Schmeiser's BINV). Walk the pmf from
//   P(0) = (1−p)^n with P(x) = P(x−1)·((n−x+1)/x)·(p/(1−p)) until the uniform is used up; exact up
//   to rounding, about n·p + 1 steps.
// - n·p ≥ 10: BTRS, Hörmann's transformed rejection with squeeze ("The generation of binomial
//   random variates", 1993). It is an exact rejection sampler, not an approximation: a candidate k
//   from a transformed-uniform hat is accepted iff v ≤ pmf(k)/hat(k), tested in logs with
//   log k! from Stirling's series (error < 1/(1680·k⁷), below 1e-18 for k ≥ 256; a table below).
//   The only inexactness is double rounding in log-factorial differences, about 1e-16·n·ln n
//   (≈ 2e-9 at n = 1e6) in the log acceptance ratio, i.e. a 2e-9 relative change in acceptance
//   probabilities: invisible to any bootstrap. Expected cost is O(1) per draw (~1.2 tries).
// Multinomial(n, w) is drawn as the chain of conditionals x_k ~ Binomial(n − Σ_{i<k} x_i,
// w_k / Σ_{i≥k} w_i), which is exactly the multinomial; the last non-empty cell takes the rest.

export type Rng = {
	/** Uniform double in [0, 1) with 53 random bits. */
	next(): number;
	/** Uniform 32-bit unsigned integer. */
	nextUint32(): number;
};

export function createRng(seed: number): Rng {
	let x = seed >>> 0;
	const splitmix32 = () => {
		x = (x + 0x9e3779b9) >>> 0;
		let z = x;
		z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
		z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
		return (z ^ (z >>> 16)) >>> 0;
	};
	let s0 = splitmix32();
	let s1 = splitmix32();
	let s2 = splitmix32();
	let s3 = splitmix32();
	if ((s0 | s1 | s2 | s3) === 0) s0 = 1;
	const nextUint32 = () => {
		const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
		const t = s1 << 9;
		s2 ^= s0;
		s3 ^= s1;
		s1 ^= s2;
		s0 ^= s3;
		s2 ^= t;
		s3 = rotl(s3, 11);
		return result;
	};
	return {
		nextUint32,
		next: () => ((nextUint32() >>> 5) * 67108864 + (nextUint32() >>> 6)) / 9007199254740992
	};
}

function rotl(v: number, k: number): number {
	return (v << k) | (v >>> (32 - k));
}

const LOG_FACTORIAL_TABLE = (() => {
	const t = new Float64Array(256);
	for (let k = 2; k < 256; k++) t[k] = t[k - 1] + Math.log(k);
	return t;
})();
const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

export function logFactorial(k: number): number {
	if (k < 256) return LOG_FACTORIAL_TABLE[k];
	const r = 1 / k;
	const r2 = r * r;
	return k * Math.log(k) - k + HALF_LOG_2PI + 0.5 * Math.log(k) + r * (1 / 12 - r2 * (1 / 360 - r2 / 1260));
}

export function sampleBinomial(rng: Rng, n: number, p: number): number {
	if (n <= 0 || p <= 0) return 0;
	if (p >= 1) return n;
	if (p > 0.5) return n - sampleBinomial(rng, n, 1 - p);
	return n * p < 10 ? binomialInversion(rng, n, p) : binomialBtrs(rng, n, p);
}

function binomialInversion(rng: Rng, n: number, p: number): number {
	const s = p / (1 - p);
	const a = (n + 1) * s;
	const p0 = Math.exp(n * Math.log1p(-p));
	for (;;) {
		let u = rng.next();
		let pr = p0;
		let x = 0;
		while (u > pr) {
			u -= pr;
			x++;
			if (x > n) break; // rounding left u unspent past the last term: draw again
			pr *= a / x - s;
		}
		if (x <= n) return x;
	}
}

function binomialBtrs(rng: Rng, n: number, p: number): number {
	const q = 1 - p;
	const spq = Math.sqrt(n * p * q);
	const b = 1.15 + 2.53 * spq;
	const a = -0.0873 + 0.0248 * b + 0.01 * p;
	const c = n * p + 0.5;
	const vr = 0.92 - 4.2 / b;
	const alpha = (2.83 + 5.1 / b) * spq;
	const lpq = Math.log(p / q);
	const m = Math.floor((n + 1) * p);
	const h = logFactorial(m) + logFactorial(n - m);
	for (;;) {
		const u = rng.next() - 0.5;
		let v = rng.next();
		const us = 0.5 - Math.abs(u);
		const k = Math.floor(((2 * a) / us + b) * u + c);
		if (k < 0 || k > n) continue;
		if (us >= 0.07 && v <= vr) return k;
		v = Math.log((v * alpha) / (a / (us * us) + b));
		if (v <= h - logFactorial(k) - logFactorial(n - k) + (k - m) * lpq) return k;
	}
}

/** Fill `out` with a Multinomial(n, weights / Σ weights) draw; weights must be ≥ 0. */
export function sampleMultinomial(rng: Rng, n: number, weights: ArrayLike<number>, out: Float64Array): void {
	let last = -1;
	let mass = 0;
	for (let i = 0; i < weights.length; i++) {
		mass += weights[i];
		if (weights[i] > 0) last = i;
	}
	let left = n;
	for (let i = 0; i < weights.length; i++) {
		const w = weights[i];
		if (left === 0 || w <= 0) {
			out[i] = 0;
		} else if (i === last) {
			out[i] = left;
			left = 0;
		} else {
			const x = sampleBinomial(rng, left, Math.min(1, w / mass));
			out[i] = x;
			left -= x;
		}
		mass -= w;
	}
}
