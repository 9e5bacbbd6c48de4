// The chat template registry: every template's prompt byte for byte, FastChat-style model matching,
// system overrides, registry validation, and that Transformers.js's apply_chat_template renders the same.
import { AutoTokenizer, env } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureModels } from '../../../scripts/model-builder/test-support';
import { LumenError } from '../protocol/errors';
import type { ChatMessage } from '../protocol/openai';
import raw from './chat-templates.json';
import {
	chooseTemplate,
	findTemplate,
	listTemplates,
	loadTemplates,
	matchTemplate,
	prepareMessages,
	renderPrompt,
	type PreparedMessage
} from './chat-templates';

const conversation: ChatMessage[] = [
	{ role: 'system', content: 'You are a terse assistant.' },
	{ role: 'user', content: 'What is the capital of France?' },
	{ role: 'assistant', content: 'Paris.' },
	{ role: 'user', content: 'And of Italy?' }
];

// Written out by hand from FastChat's conversation.py separators and the models' own chat templates
// (see `sources` in chat-templates.json), never produced by the code under test.
const expected: Record<string, string> = {
	vicuna:
		'<s>You are a terse assistant. USER: What is the capital of France? ASSISTANT: Paris.</s>USER: And of Italy? ASSISTANT:',
	alpaca:
		'<s>You are a terse assistant.\n\n### Instruction: What is the capital of France?\n\n### Response: Paris.</s>' +
		'### Instruction: And of Italy?\n\n### Response:',
	chatml:
		'<|im_start|>system\nYou are a terse assistant.<|im_end|>\n<|im_start|>user\nWhat is the capital of France?<|im_end|>\n' +
		'<|im_start|>assistant\nParis.<|im_end|>\n<|im_start|>user\nAnd of Italy?<|im_end|>\n<|im_start|>assistant\n',
	zephyr:
		'<|system|>\nYou are a terse assistant.</s>\n<|user|>\nWhat is the capital of France?</s>\n' +
		'<|assistant|>\nParis.</s>\n<|user|>\nAnd of Italy?</s>\n<|assistant|>\n',
	'phi-3':
		'<|system|>\nYou are a terse assistant.<|end|>\n<|user|>\nWhat is the capital of France?<|end|>\n' +
		'<|assistant|>\nParis.<|end|>\n<|user|>\nAnd of Italy?<|end|>\n<|assistant|>\n',
	qwen:
		'<|im_start|>system\nYou are a terse assistant.<|im_end|>\n<|im_start|>user\nWhat is the capital of France?<|im_end|>\n' +
		'<|im_start|>assistant\nParis.<|im_end|>\n<|im_start|>user\nAnd of Italy?<|im_end|>\n<|im_start|>assistant\n',
	gemma:
		'<bos><start_of_turn>user\nYou are a terse assistant.\n\nWhat is the capital of France?<end_of_turn>\n' +
		'<start_of_turn>model\nParis.<end_of_turn>\n<start_of_turn>user\nAnd of Italy?<end_of_turn>\n<start_of_turn>model\n',
	'llama-3':
		'<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are a terse assistant.<|eot_id|>' +
		'<|start_header_id|>user<|end_header_id|>\n\nWhat is the capital of France?<|eot_id|>' +
		'<|start_header_id|>assistant<|end_header_id|>\n\nParis.<|eot_id|>' +
		'<|start_header_id|>user<|end_header_id|>\n\nAnd of Italy?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n',
	'llama-2':
		'<s>[INST] <<SYS>>\nYou are a terse assistant.\n<</SYS>>\n\nWhat is the capital of France? [/INST] Paris. </s>' +
		'<s>[INST] And of Italy? [/INST]',
	mistral: '<s>[INST] You are a terse assistant.\nWhat is the capital of France? [/INST] Paris.</s>[INST] And of Italy? [/INST]',
	plain: 'You are a terse assistant.\n\nUser: What is the capital of France?\nAssistant: Paris.\nUser: And of Italy?\nAssistant:'
};

describe('rendered prompts', () => {
	it('every template in the registry has an expected prompt here, and nothing else does', () => {
		expect(listTemplates().map((t) => t.name).sort()).toEqual(Object.keys(expected).sort());
	});

	it.each(Object.entries(expected))('%s: a two-turn conversation with a system message, byte for byte', (name, prompt) => {
		expect(renderPrompt(name, conversation, { addGenerationPrompt: true })).toBe(prompt);
	});

	it('without the generation prompt a prompt ends after the last user turn (Phi-3 adds its EOS, as its own template does)', () => {
		const turns = conversation.slice(0, 2);
		expect(renderPrompt('chatml', turns, { addGenerationPrompt: false })).toBe(
			'<|im_start|>system\nYou are a terse assistant.<|im_end|>\n<|im_start|>user\nWhat is the capital of France?<|im_end|>\n'
		);
		expect(renderPrompt('vicuna', turns, { addGenerationPrompt: false })).toBe(
			'<s>You are a terse assistant. USER: What is the capital of France? '
		);
		expect(renderPrompt('phi-3', turns, { addGenerationPrompt: false })).toBe(
			'<|system|>\nYou are a terse assistant.<|end|>\n<|user|>\nWhat is the capital of France?<|end|>\n<|endoftext|>'
		);
		// Llama-2's user turn already ends with [/INST]: there is no separate generation prompt.
		expect(renderPrompt('llama-2', turns, { addGenerationPrompt: false })).toBe(
			renderPrompt('llama-2', turns, { addGenerationPrompt: true })
		);
	});

	it('a template that fails to render is a LumenError naming it and what to do', () => {
		const broken = { ...findTemplate('plain'), name: 'broken', template: "{{ raise_exception('no roles here') }}" };
		expect(() => renderPrompt(broken, conversation)).toThrow(
			new LumenError('internal', 'The chat template "broken" failed to render (no roles here). Pick another template with --chat-template or in Settings.')
		);
	});

	it("bosToken and eosToken replace the template's own", () => {
		expect(renderPrompt('llama-2', conversation, { bosToken: '<B>', eosToken: '<E>' })).toBe(
			'<B>[INST] <<SYS>>\nYou are a terse assistant.\n<</SYS>>\n\nWhat is the capital of France? [/INST] Paris. <E>' +
				'<B>[INST] And of Italy? [/INST]'
		);
	});

	it('Llama-3, Llama-2 and Gemma trim message contents like their own templates; ChatML keeps them', () => {
		const padded: ChatMessage[] = [{ role: 'user', content: '  Hi there \n' }];
		expect(renderPrompt('llama-3', padded)).toBe(
			'<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi there<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n'
		);
		expect(renderPrompt('llama-2', padded)).toBe('<s>[INST] Hi there [/INST]');
		expect(renderPrompt('gemma', padded)).toBe('<bos><start_of_turn>user\nHi there<end_of_turn>\n<start_of_turn>model\n');
		expect(renderPrompt('chatml', padded)).toBe('<|im_start|>user\n  Hi there \n<|im_end|>\n<|im_start|>assistant\n');
	});

	it('formats with one system slot still place the system message when the conversation opens with the assistant', () => {
		const greeting: ChatMessage[] = [
			{ role: 'system', content: 'Be brief.' },
			{ role: 'assistant', content: 'Hello!' },
			{ role: 'user', content: 'Hi.' }
		];
		expect(renderPrompt('gemma', greeting)).toBe(
			'<bos><start_of_turn>model\nHello!<end_of_turn>\n<start_of_turn>user\nBe brief.\n\nHi.<end_of_turn>\n<start_of_turn>model\n'
		);
		expect(renderPrompt('mistral', greeting)).toBe('<s> Hello!</s>[INST] Be brief.\nHi. [/INST]');
	});
});

describe('system messages', () => {
	const noSystem = conversation.slice(1);

	it('an override replaces the conversation’s system message', () => {
		expect(renderPrompt('chatml', conversation, { systemOverride: 'Answer in French.' })).toBe(
			expected.chatml.replace('You are a terse assistant.', 'Answer in French.')
		);
	});

	it('an override is inserted when the conversation has none', () => {
		expect(renderPrompt('llama-3', noSystem, { systemOverride: 'You are a terse assistant.' })).toBe(expected['llama-3']);
		expect(renderPrompt('gemma', noSystem, { systemOverride: 'You are a terse assistant.' })).toBe(expected.gemma);
	});

	it('templates with a default system message insert it only when there is none', () => {
		const vicuna = findTemplate('vicuna');
		expect(vicuna.defaultSystem).toBeTruthy();
		expect(renderPrompt(vicuna, noSystem)).toBe(
			`<s>${vicuna.defaultSystem} USER: What is the capital of France? ASSISTANT: Paris.</s>USER: And of Italy? ASSISTANT:`
		);
		expect(renderPrompt(vicuna, conversation)).toBe(expected.vicuna);
	});

	it('an empty override removes the system message and the default with it', () => {
		expect(renderPrompt('vicuna', conversation, { systemOverride: '' })).toBe(
			'<s>USER: What is the capital of France? ASSISTANT: Paris.</s>USER: And of Italy? ASSISTANT:'
		);
		expect(renderPrompt('llama-2', conversation, { systemOverride: '' })).toBe(
			'<s>[INST] What is the capital of France? [/INST] Paris. </s><s>[INST] And of Italy? [/INST]'
		);
	});

	it('templates without a default render no system message when the conversation has none', () => {
		expect(renderPrompt('plain', noSystem)).toBe('User: What is the capital of France?\nAssistant: Paris.\nUser: And of Italy?\nAssistant:');
		expect(renderPrompt('mistral', noSystem)).toBe('<s>[INST] What is the capital of France? [/INST] Paris.</s>[INST] And of Italy? [/INST]');
	});

	it('several system messages become one leading system message joined by a blank line', () => {
		const scattered: ChatMessage[] = [
			{ role: 'system', content: 'Be brief.' },
			{ role: 'user', content: 'Hi.' },
			{ role: 'system', content: 'Use French.' }
		];
		expect(prepareMessages('chatml', scattered)).toEqual([
			{ role: 'system', content: 'Be brief.\n\nUse French.' },
			{ role: 'user', content: 'Hi.' }
		]);
	});

	it("without a template (the tokenizer's own is used) only the gathering and the override apply", () => {
		expect(prepareMessages(undefined, conversation.slice(1))).toEqual(conversation.slice(1));
		expect(prepareMessages(undefined, conversation.slice(1), { systemOverride: 'Be brief.' })[0]).toEqual({
			role: 'system',
			content: 'Be brief.'
		});
	});

	it('prepareMessages does not modify the caller’s messages', () => {
		const copy = structuredClone(conversation);
		prepareMessages('qwen', conversation, { systemOverride: 'Other.' });
		expect(conversation).toEqual(copy);
	});
});

describe('matching a model id to a template', () => {
	it.each([
		['meta-llama/Llama-2-7b-chat-hf', 'llama-2'],
		['codellama/CodeLlama-7b-Instruct-hf', 'llama-2'],
		['meta-llama/Meta-Llama-3-8B-Instruct', 'llama-3'],
		['onnx-community/Llama-3.2-1B-Instruct', 'llama-3'],
		['lmsys/vicuna-7b-v1.5', 'vicuna'],
		['tatsu-lab/alpaca-7b-wdiff', 'alpaca'],
		['mistralai/Mixtral-8x7B-Instruct-v0.1', 'mistral'],
		['mistralai/Mistral-7B-Instruct-v0.2', 'mistral'],
		['Qwen/Qwen2.5-0.5B-Instruct', 'qwen'],
		['google/gemma-2b-it', 'gemma'],
		['microsoft/Phi-3-mini-4k-instruct', 'phi-3'],
		['onnx-community/Phi-3.5-mini-instruct-onnx-web', 'phi-3'],
		['HuggingFaceH4/zephyr-7b-beta', 'zephyr'],
		['TinyLlama/TinyLlama-1.1B-Chat-v1.0', 'zephyr'],
		['HuggingFaceTB/SmolLM2-360M-Instruct', 'chatml'],
		['teknium/OpenHermes-2.5-Mistral-7B', 'chatml'],
		['cognitivecomputations/dolphin-2.6-mistral-7b', 'chatml'],
		['NousResearch/Nous-Hermes-2-Mixtral-8x7B-DPO', 'chatml'],
		['01-ai/Yi-34B-Chat', 'chatml'],
		['lumen-tiny-a', 'plain'],
		['some-org/unknown-model', 'plain']
	])('%s → %s', (id, name) => {
		expect(matchTemplate(id).name).toBe(name);
	});

	it('tries the last path segment before the whole id, like FastChat', () => {
		// The whole id contains "qwen", which is checked before llama-3; the last segment decides first.
		expect(matchTemplate('qwen-fans/Meta-Llama-3-8B-Instruct').name).toBe('llama-3');
		// Nothing in the last segment matches, so the whole id is tried.
		expect(matchTemplate('gemma-community/finetune-7b').name).toBe('gemma');
	});

	it('ignores case, surrounding spaces and a trailing slash', () => {
		expect(matchTemplate('  LMSYS/VICUNA-13B-V1.5/ ').name).toBe('vicuna');
	});
});

describe('finding and choosing templates', () => {
	it('finds templates by name or alias, case-insensitively', () => {
		expect(findTemplate('Llama-3').name).toBe('llama-3');
		expect(findTemplate('vicuna_v1.1').name).toBe('vicuna');
		expect(findTemplate('qwen-7b-chat').name).toBe('qwen');
		expect(findTemplate('mixtral').name).toBe('mistral');
	});

	it('an unknown name is a bad_request LumenError that lists the names', () => {
		const err = (() => {
			try {
				findTemplate('llama-9');
			} catch (e) {
				return e;
			}
		})();
		expect(err).toBeInstanceOf(LumenError);
		expect((err as LumenError).code).toBe('bad_request');
		expect((err as LumenError).message).toBe(
			`Unknown chat template "llama-9". Use one of: ${listTemplates().map((t) => t.name).join(', ')}.`
		);
		expect(() => renderPrompt('llama-9', conversation)).toThrow(/Unknown chat template "llama-9"/);
	});

	it('chooseTemplate: a requested name wins, else the match only when the tokenizer has no template', () => {
		expect(chooseTemplate('Qwen/Qwen2.5-0.5B-Instruct', { requested: 'chatml', tokenizerHasTemplate: true })?.name).toBe('chatml');
		expect(chooseTemplate('Qwen/Qwen2.5-0.5B-Instruct', { tokenizerHasTemplate: true })).toBeUndefined();
		expect(chooseTemplate('Qwen/Qwen2.5-0.5B-Instruct', { tokenizerHasTemplate: false })?.name).toBe('qwen');
		expect(() => chooseTemplate('x', { requested: 'nope', tokenizerHasTemplate: true })).toThrow(LumenError);
	});

	it('every template has stop strings; plain is the last template and matches nothing by itself', () => {
		for (const t of listTemplates()) expect(t.stop.length, t.name).toBeGreaterThan(0);
		expect(listTemplates().at(-1)?.name).toBe('plain');
		expect(findTemplate('plain').match).toEqual([]);
	});
});

describe('registry validation', () => {
	type Registry = typeof raw;
	const withTemplates = (edit: (templates: Registry['templates']) => void): Registry => {
		const copy = structuredClone(raw);
		edit(copy.templates);
		return copy;
	};
	const problemsOf = (data: unknown): string => {
		try {
			loadTemplates(data);
			return 'no error';
		} catch (err) {
			expect(err).toBeInstanceOf(LumenError);
			return (err as LumenError).message;
		}
	};

	it('the shipped registry loads', () => {
		expect(loadTemplates(raw)).toHaveLength(raw.templates.length);
	});

	it('rejects a name used twice (aliases included)', () => {
		expect(problemsOf(withTemplates((ts) => void (ts[1].aliases = ['vicuna_v1.1'])))).toMatch(/"vicuna_v1\.1" is used twice/);
	});

	it('rejects an upper-case substring and an invalid regular expression', () => {
		const message = problemsOf(withTemplates((ts) => void (ts[0].match = ['Vicuna', '/llama-(/'])));
		expect(message).toMatch(/"Vicuna" must be lower case/);
		expect(message).toMatch(/"\/llama-\(\/" is not a valid regular expression/);
	});

	it('rejects a template that does not parse', () => {
		expect(problemsOf(withTemplates((ts) => void (ts[0].template = '{% for m in messages %}')))).toMatch(/templates\.0\.template: does not parse/);
	});

	it('requires the plain fallback', () => {
		expect(problemsOf(withTemplates((ts) => void ts.splice(ts.length - 1, 1)))).toMatch(/"plain" is missing/);
	});
});

describe('Transformers.js apply_chat_template renders the same prompts', () => {
	const saved = { allowRemoteModels: env.allowRemoteModels, localModelPath: env.localModelPath };
	let tokenizer: Awaited<ReturnType<typeof AutoTokenizer.from_pretrained>>;
	beforeAll(async () => {
		env.allowRemoteModels = false;
		env.localModelPath = ensureModels() + '/';
		tokenizer = await AutoTokenizer.from_pretrained('lumen-tiny-a');
	});
	afterAll(() => void Object.assign(env, saved));

	const render = (template: string, messages: PreparedMessage[], extra: Record<string, unknown> = {}) =>
		tokenizer.apply_chat_template(messages, {
			chat_template: template,
			tokenize: false,
			add_generation_prompt: true,
			...extra
		}) as unknown as string;

	it.each(Object.keys(expected))("%s, with the tokenizer's own BOS and EOS tokens", (name) => {
		const t = findTemplate(name);
		// lumen-tiny-a spells them <|endoftext|> and <|im_end|>: both differ from every template's default.
		const tokens = { bosToken: tokenizer.bos_token ?? '', eosToken: tokenizer.eos_token ?? '' };
		expect(tokens).toEqual({ bosToken: '<|endoftext|>', eosToken: '<|im_end|>' });
		const ours = renderPrompt(t, conversation, tokens);
		expect(render(t.template, prepareMessages(t, conversation))).toBe(ours);
		expect(render(t.template, prepareMessages(t, conversation.slice(1)))).toBe(renderPrompt(t, conversation.slice(1), tokens));
	});

	it.each(Object.keys(expected))('%s, with bos_token and eos_token passed through: the expected prompt', (name) => {
		const t = findTemplate(name);
		expect(render(t.template, prepareMessages(t, conversation), { bos_token: t.bosToken, eos_token: t.eosToken })).toBe(
			expected[name]
		);
	});

	it("the chatml template equals lumen-tiny-a's own ChatML chat_template, token for token", () => {
		const own = tokenizer.apply_chat_template(conversation, { tokenize: false, add_generation_prompt: true }) as unknown as string;
		expect(renderPrompt('chatml', conversation)).toBe(own);
		const ids = (text: string) => Array.from(tokenizer.encode(text, { add_special_tokens: false }));
		expect(ids(renderPrompt('chatml', conversation))).toEqual(ids(own));
	});
});
