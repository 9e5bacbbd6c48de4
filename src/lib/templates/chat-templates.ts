// Named conversation templates (data in chat-templates.json) for models whose tokenizer has no chat
// template, or when a caller asks for one by name. Pure and DOM-free: browser, native worker and CLI share it.
import { Template } from '@huggingface/jinja';
import { z } from 'zod';
import { LumenError } from '../protocol/errors';
import type { TemplateMessage } from '../protocol/messages';
import raw from './chat-templates.json' with { type: 'json' };

/** The name of the fallback template every unknown model gets. */
export const PLAIN_TEMPLATE = 'plain';

// A match entry is a lower-case substring, or a regular expression written between slashes.
const MatchSchema = z.string().min(1);

export const ChatTemplateSchema = z.object({
	name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'a lower-case name: letters, digits, ".", "_" or "-"'),
	/** Other names it answers to, e.g. FastChat's (`vicuna_v1.1`). */
	aliases: z.array(z.string()).default([]),
	/** A Hugging Face style Jinja chat template: messages, add_generation_prompt, bos_token, eos_token. */
	template: z.string().min(1),
	/** Inserted as the system message when the conversation has none. */
	defaultSystem: z.string().min(1).optional(),
	/** What bos_token / eos_token render as when the caller (or tokenizer) gives none. */
	bosToken: z.string().default(''),
	eosToken: z.string().default(''),
	/**
	 * The template renders `tools` into the prompt, assistant `tool_calls` and `tool` results, and teaches the
	 * model to answer with <tool_call>{"name": …, "arguments": {…}}</tool_call> blocks (Qwen2.5 / Hermes style).
	 */
	tools: z.boolean().default(false),
	/** Strings that end generation in this format. */
	stop: z.array(z.string().min(1)).default([]),
	match: z.array(MatchSchema).default([]),
	sources: z.array(z.string()).default([]),
	/** Why the template renders what it does (system message handling, divergences from the originals). */
	notes: z.string()
});
export type ChatTemplate = z.infer<typeof ChatTemplateSchema>;

const RegistrySchema = z.object({ about: z.string(), templates: z.array(ChatTemplateSchema).min(1) }).superRefine((registry, ctx) => {
	const seen = new Set<string>();
	registry.templates.forEach((t, i) => {
		for (const name of [t.name, ...t.aliases]) {
			const key = name.toLowerCase();
			if (seen.has(key)) ctx.addIssue({ code: 'custom', path: ['templates', i, 'name'], message: `the name "${name}" is used twice` });
			seen.add(key);
		}
		t.match.forEach((entry, j) => {
			const problem = matchEntryProblem(entry);
			if (problem) ctx.addIssue({ code: 'custom', path: ['templates', i, 'match', j], message: problem });
		});
		try {
			new Template(t.template);
		} catch (err) {
			ctx.addIssue({ code: 'custom', path: ['templates', i, 'template'], message: `does not parse: ${errorText(err)}` });
		}
	});
	if (!registry.templates.some((t) => t.name === PLAIN_TEMPLATE))
		ctx.addIssue({ code: 'custom', path: ['templates'], message: `the fallback template "${PLAIN_TEMPLATE}" is missing` });
});

function matchEntryProblem(entry: string): string | undefined {
	if (isRegexEntry(entry)) {
		try {
			new RegExp(entry.slice(1, -1));
			return undefined;
		} catch (err) {
			return `"${entry}" is not a valid regular expression: ${errorText(err)}`;
		}
	}
	return entry === entry.toLowerCase() ? undefined : `"${entry}" must be lower case (model ids are lower-cased before matching)`;
}

const isRegexEntry = (entry: string) => entry.length > 2 && entry.startsWith('/') && entry.endsWith('/');
const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Validates a registry (the shape of chat-templates.json); throws a LumenError naming every problem. */
export function loadTemplates(data: unknown): ChatTemplate[] {
	const parsed = RegistrySchema.safeParse(data);
	if (!parsed.success) {
		const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
		throw new LumenError('internal', `The chat template registry is invalid (${problems}). Fix src/lib/templates/chat-templates.json.`);
	}
	return parsed.data.templates;
}

const templates: readonly ChatTemplate[] = loadTemplates(raw);

/** The names of the templates that render tools, for error messages that say what to use instead. */
export function toolTemplateNames(): string[] {
	return templates.filter((t) => t.tools).map((t) => t.name);
}

/** Every template, in matching order (most specific first, `plain` last). */
export function listTemplates(): readonly ChatTemplate[] {
	return templates;
}

/** A template by name or alias, case-insensitive; a LumenError listing the names when there is none. */
export function findTemplate(name: string, registry: readonly ChatTemplate[] = templates): ChatTemplate {
	const key = name.trim().toLowerCase();
	const found = registry.find((t) => t.name === key || t.aliases.some((a) => a.toLowerCase() === key));
	if (found) return found;
	throw new LumenError(
		'bad_request',
		`Unknown chat template "${name}". Use one of: ${registry.map((t) => t.name).join(', ')}.`
	);
}

/**
 * The template for a model id, matched the way FastChat picks an adapter: the id's last path segment
 * first, then the whole id, against each template's `match` list in registry order; `plain` otherwise.
 */
export function matchTemplate(modelId: string, registry: readonly ChatTemplate[] = templates): ChatTemplate {
	const id = modelId.trim().toLowerCase().replace(/\/+$/, '');
	const basename = id.slice(id.lastIndexOf('/') + 1);
	for (const candidate of basename === id ? [id] : [basename, id]) {
		const found = registry.find((t) => t.match.some((entry) => entryMatches(entry, candidate)));
		if (found) return found;
	}
	return findTemplate(PLAIN_TEMPLATE, registry);
}

function entryMatches(entry: string, id: string): boolean {
	return isRegexEntry(entry) ? new RegExp(entry.slice(1, -1)).test(id) : id.includes(entry);
}

/**
 * Which registry template a runtime should use, or `undefined` to keep the tokenizer's own chat_template:
 * a requested name always wins; otherwise the model id's match, but only when the tokenizer has no template.
 */
export function chooseTemplate(
	modelId: string,
	options: { requested?: string; tokenizerHasTemplate: boolean }
): ChatTemplate | undefined {
	if (options.requested) return findTemplate(options.requested);
	return options.tokenizerHasTemplate ? undefined : matchTemplate(modelId);
}

export interface PrepareOptions {
	/**
	 * Replaces the conversation's system message, or inserts one. An empty string removes the system
	 * message and suppresses the template's default.
	 */
	systemOverride?: string;
}

/** A tool as the model reads it in the prompt: the function's name, description and JSON Schema only. */
export type TemplateTool = { type: 'function'; function: { name: string; description?: string; parameters?: Record<string, unknown> } };

export interface RenderOptions extends PrepareOptions {
	/** End with the assistant's turn header so the model answers (default true). */
	addGenerationPrompt?: boolean;
	/** bos_token / eos_token as the model's tokenizer spells them (default: the template's own). */
	bosToken?: string;
	eosToken?: string;
	/** Functions the model may call; only templates marked `tools` render them. */
	tools?: readonly TemplateTool[];
}

/**
 * A message as Hugging Face chat templates read it: tool-call arguments are an object, not OpenAI's JSON
 * string, because templates write them with `tojson` (arguments that are not JSON stay a string).
 */
export type PreparedMessage =
	| { role: 'system' | 'user'; content: string }
	| { role: 'assistant'; content: string; tool_calls?: PreparedToolCall[] }
	| { role: 'tool'; content: string; tool_call_id: string };
export type PreparedToolCall = { id: string; type: 'function'; function: { name: string; arguments: unknown } };

const resolve = (t: ChatTemplate | string) => (typeof t === 'string' ? findTemplate(t) : t);

/**
 * The messages a template renders: every system message gathered into one leading system message
 * (joined by a blank line, because most formats have a single system slot), then the override, then the
 * template's default when there is still none. Pass these to apply_chat_template with `template.template`.
 * With no template (the tokenizer's own chat_template is used) only the gathering and the override apply.
 */
export function prepareMessages(
	templateOrName: ChatTemplate | string | undefined,
	messages: readonly TemplateMessage[],
	options: PrepareOptions = {}
): PreparedMessage[] {
	const template = templateOrName === undefined ? undefined : resolve(templateOrName);
	const turns = messages.filter((m) => m.role !== 'system').map(prepareTurn);
	const given = messages.filter((m) => m.role === 'system').map((m) => m.content);
	const system = options.systemOverride ?? (given.length > 0 ? given.join('\n\n') : template?.defaultSystem);
	return system ? [{ role: 'system', content: system }, ...turns] : turns;
}

// Copies only what templates read, so a caller's extra fields never reach the prompt.
function prepareTurn(m: TemplateMessage): PreparedMessage {
	switch (m.role) {
		case 'tool':
			return { role: 'tool', content: m.content, tool_call_id: m.tool_call_id };
		case 'assistant':
			return m.tool_calls?.length
				? {
						role: 'assistant',
						content: m.content,
						tool_calls: m.tool_calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.function.name, arguments: parseArguments(c.function.arguments) } }))
					}
				: { role: 'assistant', content: m.content };
		default:
			return { role: m.role, content: m.content };
	}
}

function parseArguments(text: string): unknown {
	try {
		return JSON.parse(text);
	} catch {
		return text;
	}
}

/**
 * The first part of a request that only a template with tool support can render: `tools` itself, or a
 * `messages[i]` holding an assistant's tool calls or a tool result (a template without tool support would
 * drop it from the prompt without a word). Undefined when there is none.
 */
export function toolUseIn(messages: readonly TemplateMessage[], tools?: readonly unknown[]): string | undefined {
	if (tools?.length) return 'tools';
	const i = messages.findIndex((m) => m.role === 'tool' || (m.role === 'assistant' && m.tool_calls?.length));
	return i === -1 ? undefined : `messages[${i}]`;
}

/** What toolUseIn found, in words: `the tools` or `messages[2] (a tool call or tool result)`. */
export function describeToolUse(where: string): string {
	return where === 'tools' ? 'the tools' : `${where} (a tool call or tool result)`;
}

const compiled = new Map<string, Template>();

/** Renders a conversation to the prompt string the model sees, exactly as apply_chat_template would. */
export function renderPrompt(
	templateOrName: ChatTemplate | string,
	messages: readonly TemplateMessage[],
	options: RenderOptions = {}
): string {
	const template = resolve(templateOrName);
	const needsTools = toolUseIn(messages, options.tools);
	if (needsTools && !template.tools)
		throw new LumenError(
			'bad_request',
			`The chat template "${template.name}" has no tool support, so it cannot render ${describeToolUse(needsTools)}. Templates with tool support: ${toolTemplateNames().join(', ')}.`
		);
	try {
		// Parsing is the costly part and the registry is fixed, so each template string is parsed once.
		let jinja = compiled.get(template.template);
		if (!jinja) {
			jinja = new Template(template.template);
			compiled.set(template.template, jinja);
		}
		return jinja.render({
			messages: prepareMessages(template, messages, options),
			add_generation_prompt: options.addGenerationPrompt ?? true,
			bos_token: options.bosToken ?? template.bosToken,
			eos_token: options.eosToken ?? template.eosToken,
			// Absent rather than empty: templates test `{% if tools %}`.
			tools: options.tools?.length ? options.tools : undefined
		});
	} catch (err) {
		throw new LumenError(
			'internal',
			`The chat template "${template.name}" failed to render (${errorText(err)}). Pick another template with --chat-template or in Settings.`,
			false,
			{ cause: err }
		);
	}
}
