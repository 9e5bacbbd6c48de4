// Filling a judge prompt for one game, as FastChat's run_judge_single / run_judge_pair do: the template is a
// Python `str.format` string (`{question}`, `{answer_a_1}`, `{ref_answer_1}`; `{{` and `}}` are literal
// braces), and the judge gets the prompt's system text followed by the filled user text.
import type { ChatMessage } from '../protocol/openai';
import { LumenError } from '../protocol/errors';
import type { JudgePrompt, ModelAnswerLine, Question } from './schemas';

/** Python's `template.format(**values)` for plain named fields. A field with no value is an error naming it. */
export function formatTemplate(template: string, values: Readonly<Record<string, string>>, what = 'the judge prompt'): string {
	let out = '';
	let i = 0;
	while (i < template.length) {
		const c = template[i];
		if (c === '{' && template[i + 1] === '{') {
			out += '{';
			i += 2;
		} else if (c === '}' && template[i + 1] === '}') {
			out += '}';
			i += 2;
		} else if (c === '{') {
			const end = template.indexOf('}', i);
			const name = end === -1 ? '' : template.slice(i + 1, end);
			if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
				throw new LumenError('bad_request', `${what} has a "{" at character ${i + 1} that does not start a {name} field. Write a literal brace as "{{".`, false);
			if (!Object.hasOwn(values, name))
				throw new LumenError('bad_request', `${what} uses {${name}}, which this kind of game does not provide (it provides ${Object.keys(values).map((k) => `{${k}}`).join(', ')}).`, false);
			out += values[name];
			i = end + 1;
		} else if (c === '}') {
			throw new LumenError('bad_request', `${what} has a lone "}" at character ${i + 1}. Write a literal brace as "}}".`, false);
		} else {
			out += c;
			i++;
		}
	}
	return out;
}

function turnOf(answer: ModelAnswerLine, turn: number, who: string): string {
	const text = answer.choices[0].turns[turn];
	if (text === undefined) throw new LumenError('bad_request', `${who}'s answer to question ${answer.question_id} has no turn ${turn + 1}. Generate the answers again.`, false);
	return text;
}

function questionTurn(question: Question, turn: number): string {
	const text = question.turns[turn];
	if (text === undefined) throw new LumenError('bad_request', `Question ${question.question_id} has no turn ${turn + 1}.`, false);
	return text;
}

function referenceValues(ref: ModelAnswerLine | undefined): Record<string, string> {
	if (!ref) return {};
	const turns = ref.choices[0].turns;
	const values: Record<string, string> = {};
	if (turns[0] !== undefined) values.ref_answer_1 = turns[0];
	if (turns[1] !== undefined) values.ref_answer_2 = turns[1];
	return values;
}

/** The values a single-answer grading template can use (FastChat's names). */
export function singleValues(question: Question, answer: ModelAnswerLine, ref: ModelAnswerLine | undefined, multiTurn: boolean, model = 'the model'): Record<string, string> {
	const base: Record<string, string> = multiTurn
		? { question_1: questionTurn(question, 0), question_2: questionTurn(question, 1), answer_1: turnOf(answer, 0, model), answer_2: turnOf(answer, 1, model) }
		: { question: questionTurn(question, 0), answer: turnOf(answer, 0, model) };
	return { ...base, ...referenceValues(ref) };
}

/** The values a pairwise template can use; `a` is shown as assistant A, `b` as assistant B. */
export function pairValues(
	question: Question,
	a: ModelAnswerLine,
	b: ModelAnswerLine,
	ref: ModelAnswerLine | undefined,
	multiTurn: boolean,
	names: [string, string] = ['model A', 'model B']
): Record<string, string> {
	const base: Record<string, string> = multiTurn
		? {
				question_1: questionTurn(question, 0),
				question_2: questionTurn(question, 1),
				answer_a_1: turnOf(a, 0, names[0]),
				answer_b_1: turnOf(b, 0, names[1]),
				answer_a_2: turnOf(a, 1, names[0]),
				answer_b_2: turnOf(b, 1, names[1])
			}
		: { question: questionTurn(question, 0), answer_a: turnOf(a, 0, names[0]), answer_b: turnOf(b, 0, names[1]) };
	return { ...base, ...referenceValues(ref) };
}

/** The filled user text of a prompt. */
export function fillPrompt(prompt: JudgePrompt, values: Readonly<Record<string, string>>): string {
	return formatTemplate(prompt.prompt_template, values, `Judge prompt "${prompt.name}"`);
}

/** What the judge is sent: the prompt's system text (when it has one), then the filled user text. */
export function judgeMessages(prompt: JudgePrompt, userPrompt: string): ChatMessage[] {
	const messages: ChatMessage[] = [];
	if (prompt.system_prompt !== '') messages.push({ role: 'system', content: prompt.system_prompt });
	messages.push({ role: 'user', content: userPrompt });
	return messages;
}
