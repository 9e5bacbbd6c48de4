// The fuzz engine: plans N runs over the kinds (every kind at least once, model-heavy kinds capped,
// the rest drawn by weight from a seeded generator), runs them with bounded concurrency, checks every
// response and tallies statuses and problems per kind.
import { mulberry32 } from '../model-builder/prng';
import { bytesOf, checkResponse, type FuzzContext, type Kind, type Request } from './kind';
import { controlKinds } from './kinds/control';
import { encodingKinds } from './kinds/encodings';
import { fieldKinds } from './kinds/fields';
import { httpKinds } from './kinds/http';
import { rawKinds } from './kinds/raw';
import { exchange, type Exchange } from './wire';

export const KINDS: Kind[] = [...encodingKinds, ...fieldKinds, ...httpKinds, ...rawKinds, ...controlKinds];

export type KindReport = { name: string; group: string; runs: number; statuses: Map<string, number>; problems: Map<string, number> };

export type FuzzOptions = {
	port: number;
	model: string;
	secret: string;
	secretFile: string;
	contextLength: number;
	/** Strings that may never appear in a response (contents of files outside the web app, the secret). */
	forbidden: string[];
	requests: number;
	seed: number;
	concurrency: number;
	/** Calibrated prompt maker (see run.ts). */
	promptOfTokens(tokens: number): string;
	/** False once the server process is gone: the run stops early. */
	alive(): boolean;
	onProgress?(done: number, total: number): void;
};

/** The order of runs: each kind once, then weighted draws within each kind's cap, shuffled. */
export function plan(kinds: readonly Kind[], requests: number, rng: () => number): Kind[] {
	const capOf = (k: Kind) => (k.perThousand === undefined ? Infinity : Math.max(1, Math.round((k.perThousand * requests) / 1000)));
	const count = new Map<Kind, number>(kinds.map((k) => [k, 1]));
	const order: Kind[] = [...kinds];
	while (order.length < requests) {
		const open = kinds.filter((k) => count.get(k)! < capOf(k));
		if (open.length === 0) break;
		const total = open.reduce((s, k) => s + (k.weight ?? 1), 0);
		let r = rng() * total;
		const k = open.find((k) => (r -= k.weight ?? 1) < 0) ?? open[open.length - 1];
		count.set(k, count.get(k)! + 1);
		order.push(k);
	}
	for (let i = order.length - 1; i > 0; i--) {
		const j = Math.floor(rng() * (i + 1));
		[order[i], order[j]] = [order[j], order[i]];
	}
	return order;
}

const label = (ex: Exchange, i: number): string => {
	const r = ex.responses[i];
	if (r) return r.complete ? String(r.status) : `${r.status} (cut)`;
	if (ex.abandoned) return 'left early';
	if (ex.timedOut) return 'timeout';
	return ex.error ? ex.error : 'closed';
};

export async function runFuzz(o: FuzzOptions): Promise<KindReport[]> {
	const rng = mulberry32(o.seed);
	const runs = plan(KINDS, o.requests, rng);
	const reports = new Map<Kind, KindReport>(KINDS.map((k) => [k, { name: k.name, group: k.group, runs: 0, statuses: new Map(), problems: new Map() }]));
	const bump = (m: Map<string, number>, key: string) => m.set(key, (m.get(key) ?? 0) + 1);

	function contextFor(kind: Kind, seed: number): FuzzContext {
		const report = reports.get(kind)!;
		const own = mulberry32(seed);
		const problem = (message: string) => bump(report.problems, message);
		const raw: FuzzContext['raw'] = async ({ expect = 'response', ...send }) => {
			const ex = await exchange({ port: o.port, ...send });
			const wanted = send.responses ?? 1;
			for (let i = 0; i < Math.max(1, ex.responses.length); i++) bump(report.statuses, label(ex, i));
			for (const r of ex.responses) for (const p of checkResponse(r, send.head ?? false, o.forbidden)) problem(p);
			const answered = ex.responses.length >= Math.max(1, wanted) || (wanted === 0 && ex.responses.length > 0);
			if (expect === 'response' && !answered && !ex.abandoned)
				problem(ex.timedOut ? `no answer within ${send.deadlineMs} ms` : `connection ended without an answer${ex.error ? ` (${ex.error})` : ''}`);
			return ex;
		};
		return {
			port: o.port,
			model: o.model,
			secret: o.secret,
			secretFile: o.secretFile,
			contextLength: o.contextLength,
			rng: own,
			pick: <T>(items: readonly T[]) => items[Math.floor(own() * items.length)],
			promptOfTokens: o.promptOfTokens,
			problem,
			raw,
			async request(r: Request) {
				const head = (r.method ?? 'GET') === 'HEAD';
				// Generous: a valid request may wait behind the model's FIFO queue (one long prompt takes seconds).
				const ex = await raw({ parts: [bytesOf(r)], head, deadlineMs: r.deadlineMs ?? 60_000, expect: r.expect, abandonAfterBodyBytes: r.abandonAfterBodyBytes, abandonAfterMs: r.abandonAfterMs });
				return ex.responses[0] ?? null;
			}
		};
	}

	let next = 0;
	let done = 0;
	async function worker() {
		while (next < runs.length && o.alive()) {
			const i = next++;
			const kind = runs[i];
			reports.get(kind)!.runs++;
			try {
				await kind.run(contextFor(kind, (o.seed * 1_000_003 + i) >>> 0));
			} catch (err) {
				bump(reports.get(kind)!.problems, `the fuzz kind itself threw: ${(err as Error).message}`);
			}
			o.onProgress?.(++done, runs.length);
		}
	}
	await Promise.all(Array.from({ length: o.concurrency }, worker));
	return [...reports.values()];
}
