// The answer and judge runners with a scripted chat function (the narrow interface they are given): turn order,
// temperatures, token limits, skipping what is done, retries with backoff, bounded parallelism, failures and abort.
import { describe, expect, it } from 'vitest';
import { LumenError } from '../protocol/errors';
import type { ChatMessage } from '../protocol/openai';
import { generateAnswers, reorgAnswers } from './answer';
import { builtinJudgePrompts } from './builtin';
import { countJudgeCalls, judge } from './judge';
import { buildMatches, indexAnswers, type BenchData } from './matches';
import type { ChatFn, ChatOptions } from './run-support';
import type { ModelAnswer, PairJudgment, Question, SingleJudgment } from './schemas';

const questions: Question[] = [
	{ question_id: 1, category: 'writing', turns: ['W1', 'W2'] },
	{ question_id: 2, category: 'math', turns: ['M1', 'M2'] },
	{ question_id: 3, category: 'stem', turns: ['S1'] },
	{ question_id: 4, category: 'poetry', turns: ['P1', 'P2'] }
];

type Call = { messages: ChatMessage[]; options: ChatOptions };
function scripted(reply: (messages: ChatMessage[], n: number) => string | Promise<string>): { chat: ChatFn; calls: Call[] } {
	const calls: Call[] = [];
	return {
		calls,
		chat: async (messages, options) => {
			calls.push({ messages, options });
			return reply(messages, calls.length);
		}
	};
}
const lastUser = (messages: ChatMessage[]) => messages.filter((m) => m.role === 'user').at(-1)!.content;

describe('generateAnswers', () => {
	it('answers turn by turn (turn 2 sees turn 1), at each category’s temperature, with FastChat’s answer fields', async () => {
		const { chat, calls } = scripted((m) => `ans(${lastUser(m)})`);
		const written: ModelAnswer[] = [];
		const summary = await generateAnswers({ questions, model: 'm', chat, appendAnswer: (a) => void written.push(a) });
		expect(summary).toEqual({ written: 4, skipped: 0, failed: [] });
		expect(calls[1].messages).toEqual([
			{ role: 'user', content: 'W1' },
			{ role: 'assistant', content: 'ans(W1)' },
			{ role: 'user', content: 'W2' }
		]);
		expect(calls.map((c) => c.options.temperature)).toEqual([0.7, 0.7, 0, 0, 0.1, 0.7, 0.7]);
		expect(calls.every((c) => c.options.maxTokens === 1024)).toBe(true);
		const first = written[0];
		expect(Object.keys(first).sort()).toEqual(['answer_id', 'choices', 'model_id', 'question_id', 'tstamp']);
		expect(first).toMatchObject({ question_id: 1, model_id: 'm', choices: [{ index: 0, turns: ['ans(W1)', 'ans(W2)'] }] });
		expect(first.answer_id).toMatch(/^[2-9A-HJ-NP-Za-km-z]{22}$/);
		expect(Math.abs(first.tstamp - Date.now() / 1000)).toBeLessThan(60);
	});

	it('skips questions already answered, passes max new tokens, and reports progress with counts', async () => {
		const { chat, calls } = scripted(() => 'x');
		const progress: string[] = [];
		const summary = await generateAnswers({
			questions,
			model: 'm',
			chat,
			answered: [1, '4'],
			appendAnswer: () => undefined,
			maxNewTokens: 16,
			onProgress: (p) => progress.push(`${p.done}/${p.total} q${p.questionId}`)
		});
		expect(summary.skipped).toBe(2);
		expect(calls.map((c) => lastUser(c.messages))).toEqual(['M1', 'M2', 'S1']);
		expect(calls.every((c) => c.options.maxTokens === 16)).toBe(true);
		expect(progress).toEqual(['1/2 q2', '2/2 q3']);
	});

	it('retries a retryable failure with doubling waits, reports one that keeps failing and goes on', async () => {
		let failures = 0;
		const { chat } = scripted((m) => {
			if (lastUser(m) === 'W1' && failures++ < 2) throw new LumenError('network', 'flaky', true);
			if (lastUser(m) === 'M1') throw new LumenError('context_length_exceeded', 'too long', false);
			return 'ok';
		});
		const delays: number[] = [];
		const written: ModelAnswer[] = [];
		const summary = await generateAnswers({ questions, model: 'm', chat, appendAnswer: (a) => void written.push(a), backoffMs: 2, onRetry: (r) => delays.push(r.delayMs) });
		expect(delays).toEqual([2, 4]);
		expect(written.map((a) => a.question_id)).toEqual([1, 3, 4]);
		expect(summary.failed.map((f) => [f.questionId, f.error.code])).toEqual([[2, 'context_length_exceeded']]);
	});

	it('stops the whole run on a refused key', async () => {
		const { chat, calls } = scripted(() => {
			throw new LumenError('unauthorized', 'bad key', false);
		});
		await expect(generateAnswers({ questions, model: 'm', chat, appendAnswer: () => undefined })).rejects.toMatchObject({ code: 'unauthorized' });
		expect(calls).toHaveLength(1);
	});

	it('stops on abort, keeping what was written', async () => {
		const controller = new AbortController();
		const { chat } = scripted((m) => {
			if (lastUser(m) === 'M1') controller.abort();
			return 'ok';
		});
		const written: ModelAnswer[] = [];
		await expect(generateAnswers({ questions, model: 'm', chat, appendAnswer: (a) => void written.push(a), signal: controller.signal })).rejects.toMatchObject({ code: 'aborted' });
		expect(written.map((a) => a.question_id)).toEqual([1]);
	});

	it('reorgAnswers keeps the last answer per question, in id order', () => {
		const a = (question_id: number | string, tag: string) => ({ question_id, tag });
		expect(reorgAnswers([a(10, 'x'), a(2, 'y'), a(10, 'z')])).toEqual([a(2, 'y'), a(10, 'z')]);
	});
});

function benchFor(models: string[]): BenchData {
	const answers = new Map(
		models.map((m) => [m, indexAnswers(questions.map((q) => ({ question_id: q.question_id, choices: [{ index: 0, turns: q.turns.map((t) => `${m}:${t}`) }] })))])
	);
	const references = indexAnswers([{ question_id: 2, choices: [{ index: 0, turns: ['r1', 'r2'] }] }]);
	return { questions, answers, references, prompts: new Map(builtinJudgePrompts().map((p) => [p.name, p])) };
}

describe('judge', () => {
	const singles = buildMatches(benchFor(['a', 'b']), { mode: 'single', judgeModel: 'j' });
	const pairs = buildMatches(benchFor(['a', 'b']), { mode: 'pairwise-all', judgeModel: 'j' });

	it('counts the calls before starting: one per single match, two per pair, minus what is on file', () => {
		expect(countJudgeCalls(singles)).toEqual({ matches: 14, skipped: 0, calls: 14 });
		expect(countJudgeCalls(pairs)).toEqual({ matches: 7, skipped: 0, calls: 14 });
		expect(countJudgeCalls(pairs, [{ question_id: 1, model_1: 'a', model_2: 'b', turn: 1 }, { question_id: 1, model_1: 'a', model_2: 'b', turn: 2 }])).toEqual({ matches: 7, skipped: 2, calls: 10 });
	});

	it('judges at temperature 0 with 2048 tokens, system then user, and writes each score', async () => {
		const { chat, calls } = scripted((_, n) => `Reasoning. Score: [[${n % 10}]]`);
		const written: SingleJudgment[] = [];
		const summary = await judge({ matches: singles, chat, appendJudgment: (j) => void written.push(j as SingleJudgment) });
		expect(summary).toMatchObject({ written: 14, skipped: 0, failed: [] });
		expect(calls.every((c) => c.options.temperature === 0 && c.options.maxTokens === 2048)).toBe(true);
		expect(calls[0].messages.map((m) => m.role)).toEqual(['system', 'user']);
		expect(written.map((j) => j.score)).toEqual(Array.from({ length: 14 }, (_, i) => (i + 1) % 10));
	});

	it('plays both games of a pair, the second with positions swapped, and records both winners', async () => {
		// The judge always prefers whichever answer is a's: [[A]] when a is shown first, [[B]] otherwise.
		const { chat } = scripted((m) => (lastUser(m).indexOf('a:') < lastUser(m).indexOf('b:') ? '[[A]]' : '[[B]]'));
		const written: PairJudgment[] = [];
		await judge({ matches: pairs, chat, appendJudgment: (j) => void written.push(j as PairJudgment), parallel: 3 });
		expect(written).toHaveLength(7);
		for (const j of written) expect([j.g1_winner, j.g2_winner]).toEqual(['model_1', 'model_1']);
	});

	it('keeps at most `parallel` calls in flight and uses them all', async () => {
		let inFlight = 0;
		let peak = 0;
		const { chat } = scripted(async () => {
			peak = Math.max(peak, ++inFlight);
			await new Promise((r) => setTimeout(r, 5));
			inFlight--;
			return '[[C]]';
		});
		await judge({ matches: pairs, chat, appendJudgment: () => undefined, parallel: 4 });
		expect(peak).toBe(4);
	});

	it('resumes: matches already on file are skipped, the rest judged', async () => {
		const { chat, calls } = scripted(() => 'Score: [[5]]');
		const first: SingleJudgment[] = [];
		const controller = new AbortController();
		await expect(
			judge({
				matches: singles,
				chat,
				signal: controller.signal,
				appendJudgment: (j) => {
					first.push(j as SingleJudgment);
					if (first.length === 5) controller.abort();
				}
			})
		).rejects.toMatchObject({ code: 'aborted' });
		expect(first).toHaveLength(5);
		calls.length = 0;
		const second: SingleJudgment[] = [];
		const summary = await judge({ matches: singles, chat, existing: first, appendJudgment: (j) => void second.push(j as SingleJudgment) });
		expect(summary).toMatchObject({ written: 9, skipped: 5 });
		expect(calls).toHaveLength(9);
		expect(new Set([...first, ...second].map((j) => `${j.question_id}${j.model}${j.turn}`)).size).toBe(14);
	});

	it('leaves out a pair whose game keeps failing, reports it and goes on; a wrong key stops everything', async () => {
		const { chat } = scripted((m) => {
			if (lastUser(m).includes('b:W1') && lastUser(m).indexOf('b:') < lastUser(m).indexOf('a:')) throw new LumenError('unavailable', 'busy', true);
			return '[[A]]';
		});
		const written: PairJudgment[] = [];
		const summary = await judge({ matches: pairs, chat, appendJudgment: (j) => void written.push(j as PairJudgment), retries: 1, backoffMs: 1 });
		expect(summary.failed.map((f) => [f.match.question.question_id, f.error.code])).toEqual([
			[1, 'unavailable'],
			[1, 'unavailable']
		]);
		expect(written).toHaveLength(5);
		const refused = scripted(() => {
			throw new LumenError('unauthorized', 'The judge refused the API key.', false);
		});
		await expect(judge({ matches: pairs, chat: refused.chat, appendJudgment: () => undefined, parallel: 2 })).rejects.toThrow('The judge refused the API key.');
		expect(refused.calls.length).toBeLessThanOrEqual(2);
	});

	it('fails before any call when a judge prompt cannot be filled', async () => {
		const broken = new Map(builtinJudgePrompts().map((p) => [p.name, p.name === 'single-v1' ? { ...p, prompt_template: '{question} {nope}' } : p]));
		const matches = buildMatches({ ...benchFor(['a']), prompts: broken }, { mode: 'single', judgeModel: 'j' });
		const { chat, calls } = scripted(() => '[[1]]');
		await expect(judge({ matches, chat, appendJudgment: () => undefined })).rejects.toThrow(/uses \{nope\}/);
		expect(calls).toHaveLength(0);
	});
});
