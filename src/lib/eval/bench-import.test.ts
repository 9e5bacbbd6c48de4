// Files brought to /eval: placed by FastChat's names and folders, checked line by line (the bad line named),
// fetched by URL with failures that say what to do, and second-judge files read as votes for agreement.
import { describe, expect, it } from 'vitest';
import { builtinBenchFiles, toJsonl } from '$lib/mtbench';
import { classifyFiles, describeImport, fetchBenchFiles, placeOf, readVotes } from './bench-import';

const answers = toJsonl([{ question_id: 81, model_id: 'vicuna', choices: [{ index: 0, turns: ['a', 'b'] }] }]);
const single = toJsonl([{ question_id: 81, model: 'vicuna', judge: ['gpt-4', 'single-v1'], score: 7, turn: 1 }]);
const pair = (g1: string, g2: string, turn = 1) => ({ question_id: 81, model_1: 'a', model_2: 'b', g1_winner: g1, g2_winner: g2, judge: ['gpt-4', 'pair-v2'], turn });

describe('placeOf', () => {
	it.each([
		['mt_bench/question.jsonl', { kind: 'questions' }],
		['data/judge_prompts.jsonl', { kind: 'judgePrompts' }],
		['mt_bench/model_answer/vicuna-13b.jsonl', { kind: 'answer', name: 'vicuna-13b' }],
		['mt_bench/reference_answer/gpt-4.jsonl', { kind: 'reference', name: 'gpt-4' }],
		['mt_bench/model_judgment/gpt-4_single.jsonl', { kind: 'judgment', name: 'gpt-4_single' }],
		['gpt-4_pair.jsonl', { kind: 'judgment', name: 'gpt-4_pair' }],
		['llama.jsonl', { kind: 'answer', name: 'llama' }],
		['mt_bench\\model_answer\\x.jsonl', { kind: 'answer', name: 'x' }],
		['mt_bench/misc/other.jsonl', { kind: 'ignored' }],
		['mt_bench/README.md', { kind: 'ignored' }]
	])('%s', (path, place) => expect(placeOf(path)).toEqual(place));
});

describe('classifyFiles', () => {
	it('sorts a FastChat bench folder into its parts and names the bench after the folder', () => {
		const files = builtinBenchFiles();
		const result = classifyFiles([
			{ path: 'mt_bench/question.jsonl', text: files['question.jsonl'] },
			{ path: 'mt_bench/judge_prompts.jsonl', text: files['judge_prompts.jsonl'] },
			{ path: 'mt_bench/reference_answer/gpt-4.jsonl', text: files['reference_answer/lumen-reference.jsonl'] },
			{ path: 'mt_bench/model_answer/vicuna.jsonl', text: answers },
			{ path: 'mt_bench/model_judgment/gpt-4_single.jsonl', text: single },
			{ path: 'mt_bench/.DS_Store', text: '' }
		]);
		expect([...result.files.keys()].sort()).toEqual(['judge_prompts.jsonl', 'question.jsonl', 'reference_answer/gpt-4.jsonl']);
		expect([...result.answers.keys()]).toEqual(['vicuna']);
		expect([...result.judgments.keys()]).toEqual(['model_judgment/gpt-4_single.jsonl']);
		expect(result.benchName).toBe('mt_bench');
		expect(result.ignored).toEqual(['mt_bench/.DS_Store']);
		expect(describeImport(result)).toMatch(/^question\.jsonl, judge_prompts\.jsonl, reference_answer\/gpt-4\.jsonl, answers of 1 model \(vicuna\), 1 judgment file\. Left out 1 file/);
	});

	it('refuses a bad line, naming the file and the line', () => {
		expect(() => classifyFiles([{ path: 'x.jsonl', text: answers + '{"question_id":82}\n' }])).toThrow(/^x\.jsonl line 2: choices: .*Fix or remove that line\.$/);
		expect(() => classifyFiles([{ path: 'j_pair.jsonl', text: '{"question_id":1,"model_1":"a"}\n' }])).toThrow(/^j_pair\.jsonl line 1: /);
		expect(() => classifyFiles([{ path: 'question.jsonl', text: '\n' }])).toThrow('question.jsonl has no questions.');
	});

	it('refuses two benches at once', () => {
		const q = builtinBenchFiles()['question.jsonl'];
		expect(() =>
			classifyFiles([
				{ path: 'data/mt_bench/question.jsonl', text: q },
				{ path: 'data/vicuna_bench/question.jsonl', text: q }
			])
		).toThrow(/more than one bench \(data\/mt_bench\/question\.jsonl, data\/vicuna_bench\/question\.jsonl\)/);
	});
});

describe('fetchBenchFiles', () => {
	const files: Record<string, string> = { '/b/question.jsonl': 'Q', '/judge_prompts.jsonl': 'P', '/b/reference_answer/gpt-4.jsonl': 'R' };
	const fake: typeof fetch = async (input) => {
		const url = new URL(String(input));
		if (url.hostname === 'offline.example') throw new TypeError('Failed to fetch');
		const text = files[url.pathname];
		return text === undefined ? new Response('no', { status: 404 }) : new Response(text);
	};

	it('downloads the questions, judge prompts and reference answers into their places', async () => {
		const got = await fetchBenchFiles(
			{ questions: 'https://h.example/b/question.jsonl', judgePrompts: 'https://h.example/judge_prompts.jsonl', references: 'https://h.example/b/reference_answer/gpt-4.jsonl' },
			{ fetch: fake }
		);
		expect(got).toEqual([
			{ path: 'question.jsonl', text: 'Q' },
			{ path: 'judge_prompts.jsonl', text: 'P' },
			{ path: 'reference_answer/gpt-4.jsonl', text: 'R' }
		]);
	});

	it('says what to do when the network fails, the file is missing, or the URL is not one', async () => {
		await expect(fetchBenchFiles({ questions: 'https://offline.example/q.jsonl' }, { fetch: fake })).rejects.toMatchObject({
			code: 'network',
			message: 'Could not download https://offline.example/q.jsonl (Failed to fetch). You may be offline, or that server does not let web pages read the file; import the files from disk instead.'
		});
		await expect(fetchBenchFiles({ questions: 'https://h.example/nope.jsonl' }, { fetch: fake })).rejects.toMatchObject({
			code: 'bad_request',
			message: 'https://h.example/nope.jsonl answered HTTP 404. Check the address.'
		});
		await expect(fetchBenchFiles({ questions: 'question.jsonl' }, { fetch: fake })).rejects.toMatchObject({ code: 'bad_request', message: expect.stringMatching(/is not a URL/) });
	});
});

describe('readVotes', () => {
	it('reads another judge’s pair file as show_result counts it: agreeing games a win, disagreeing ones a tie, errors left out', () => {
		const text = toJsonl([pair('model_1', 'model_1'), pair('model_1', 'model_2', 2), pair('error', 'model_1')]);
		expect(readVotes(text, 'other_pair.jsonl').map((v) => [v.winner, v.turn])).toEqual([
			['model_a', 1],
			['tie', 2]
		]);
	});

	it('reads FastChat vote files as a JSON array or JSON lines', () => {
		const vote = { question_id: 81, model_a: 'a', model_b: 'b', winner: 'model_b', judge: 'expert_1', turn: 1 };
		expect(readVotes(JSON.stringify([vote]), 'human.json')).toEqual([vote]);
		expect(readVotes(toJsonl([vote]), 'human.jsonl')).toEqual([vote]);
	});

	it('refuses what is not votes, naming the file', () => {
		expect(() => readVotes('[{"x":1}]', 'h.json')).toThrow('h.json is a JSON array, but not of votes');
		expect(() => readVotes('[oops', 'h.json')).toThrow(/^h\.json is not valid JSON/);
		expect(() => readVotes('\n', 'h.jsonl')).toThrow('h.jsonl has no pairwise votes to compare.');
	});
});
