// Named conversation templates (data in chat-templates.json) for models whose tokenizer has no chat
// template, or when a caller asks for one by name. Pure and DOM-free: browser, native worker and CLI share it.
import { Template } from '@huggingface/jinja';
import { z } from 'zod';
import { LumenError } from '../protocol/errors';
import type { ChatMessage } from '../protocol/openai';
import raw from './chat-templates.json';

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

export interface RenderOptions extends PrepareOptions {
	/** End with the assistant's turn header so the model answers (default true). */
	addGenerationPrompt?: boolean;
	/** bos_token / eos_token as the model's tokenizer spells them (default: the template's own). */
	bosToken?: string;
	eosToken?: string;
}

const resolve = (t: ChatTemplate | string) => (typeof t === 'string' ? findTemplate(t) : t);

/**
 * The messages a template renders: every system message gathered into one leading system message
 * (joined by a blank line, because most formats have a single system slot), then the override, then the
 * template's default when there is still none. Pass these to apply_chat_template with `template.template`.
 * With no template (the tokenizer's own chat_template is used) only the gathering and the override apply.
 */
export function prepareMessages(
	templateOrName: ChatTemplate | string | undefined,
	messages: readonly ChatMessage[],
	options: PrepareOptions = {}
): ChatMessage[] {
	const template = templateOrName === undefined ? undefined : resolve(templateOrName);
	const turns = messages.filter((m) => m.role !== 'system').map((m) => ({ role: m.role, content: m.content }));
	const given = messages.filter((m) => m.role === 'system').map((m) => m.content);
	const system = options.systemOverride ?? (given.length > 0 ? given.join('\n\n') : template?.defaultSystem);
	return system ? [{ role: 'system', content: system }, ...turns] : turns;
}

const compiled = new Map<string, Template>();

/** Renders a conversation to the prompt string the model sees, exactly as apply_chat_template would. */
export function renderPrompt(
	templateOrName: ChatTemplate | string,
	messages: readonly ChatMessage[],
	options: RenderOptions = {}
): string {
	const template = resolve(templateOrName);
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
			eos_token: options.eosToken ?? template.eosToken
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
