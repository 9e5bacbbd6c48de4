// How a chat becomes the prompt a Transformers.js model reads: which chat template renders it (the
// tokenizer's own, or a named one from the registry), the system-message override, the tools offered to the
// model, the stop strings the template's format adds, and the opening of a forced tool call.
import type * as TF from '@huggingface/transformers';
import { LumenError, paramError } from '#protocol/errors';
import { toTemplateMessages } from '#protocol/messages';
import type { Tool, ToolChoice, WireMessage } from '#protocol/openai';
import type { ChatFormatChoice } from '#protocol/worker-api';
import {
	chooseTemplate,
	describeToolUse,
	prepareMessages,
	toolTemplateNames,
	toolUseIn,
	type ChatTemplate,
	type TemplateTool
} from '#templates/chat-templates';
import { TOOL_CALL_OPEN } from './tool-calls';

type Tokenizer = TF.PreTrainedTokenizer;

/** The parts of a chat request that shape its prompt. */
export type ChatPromptInput = {
	messages: readonly WireMessage[];
	tools?: readonly Tool[];
	tool_choice?: ToolChoice;
	parallel_tool_calls?: boolean;
};

/**
 * How one model formats chats, settled once per worker (or per browser request). `tools` says whether the
 * template renders tools in the <tool_call> syntax we read back (`hermes`), renders them in a syntax we
 * cannot read (`unreadable`: e.g. Llama 3.1's own), or not at all.
 */
export type ChatFormat = {
	modelId: string;
	/** The registry template that renders chats; undefined: the tokenizer's own chat_template. */
	template?: ChatTemplate;
	systemOverride?: string;
	tools: 'hermes' | 'unreadable' | 'none';
	/** Stop strings the template's format adds to each request's own. */
	stops: readonly string[];
};

/** What a request offers the model: the tools as the template renders them, and how the answer must start. */
export type ToolPlan = {
	tools: TemplateTool[];
	/** The functions a call may name (only the chosen one when tool_choice names one). */
	names: ReadonlySet<string>;
	/** Appended after the generation prompt to force a call: tool_choice "required" or a named function. */
	prefill: string;
	/** parallel_tool_calls: false, so generation ends after the first call. */
	single: boolean;
};

/**
 * The format for a model: a requested template name wins (an unknown one is a 400 listing the names);
 * otherwise the tokenizer's own chat_template, or the registry template the model id matches when it has none.
 */
export function chatFormat(model: { modelId: string; tokenizer: Tokenizer }, choice: ChatFormatChoice = {}): ChatFormat {
	const own = ownTemplate(model.tokenizer);
	const template = chooseTemplate(model.modelId, { requested: choice.chatTemplate, tokenizerHasTemplate: own !== undefined });
	return {
		modelId: model.modelId,
		template,
		systemOverride: choice.systemMessage,
		tools: template ? (template.tools ? 'hermes' : 'none') : ownToolSyntax(own),
		stops: template?.stop ?? []
	};
}

/** The format in words, for logs and errors. */
export function describeFormat(format: ChatFormat): string {
	return format.template ? `the "${format.template.name}" chat template` : "its tokenizer's own chat template";
}

/**
 * The tools a request offers the model, or undefined when it offers none (no tools, or tool_choice "none").
 * Throws a 400 naming the field for anything the format cannot honour, so nothing is dropped in silence.
 */
export function toolPlan(format: ChatFormat, request: ChatPromptInput): ToolPlan | undefined {
	const tools = request.tools ?? [];
	const choice = request.tool_choice;
	const forcing = choice === 'required' || typeof choice === 'object';
	if (forcing && tools.length === 0)
		throw paramError('tool_choice', `tool_choice ${JSON.stringify(choice)} needs the functions it may call in "tools", and there are none.`);
	const history = toolUseIn(toTemplateMessages(request.messages));
	if (history && format.tools === 'none') throw paramError('messages', noToolSupport(format, describeToolUse(history)));
	if (tools.length === 0 || choice === 'none') return undefined;
	if (format.tools === 'none') throw paramError('tools', noToolSupport(format, 'tools'));
	if (format.tools === 'unreadable')
		throw paramError('tools', `"${format.modelId}"'s own chat template takes tools, but not in the <tool_call> syntax this server reads back. ${useToolTemplate()}`);
	const offered = new Set(tools.map((t) => t.function.name));
	const single = request.parallel_tool_calls === false;
	if (typeof choice !== 'object') return { tools: tools.map(templateTool), names: offered, prefill: choice === 'required' ? `${TOOL_CALL_OPEN}\n{"name": "` : '', single };
	const name = choice.function.name;
	if (!offered.has(name))
		throw paramError('tool_choice', `tool_choice names the function "${name}", which is not in tools (${[...offered].join(', ')}).`);
	return { tools: tools.map(templateTool), names: new Set([name]), prefill: `${TOOL_CALL_OPEN}\n{"name": ${JSON.stringify(name)}, "arguments": `, single };
}

/** The prompt text, exactly as the model reads it (a forced call's opening included). */
export function renderChat(tokenizer: Tokenizer, format: ChatFormat, request: ChatPromptInput): string {
	const plan = toolPlan(format, request);
	const messages = prepareMessages(format.template, toTemplateMessages(request.messages), { systemOverride: format.systemOverride });
	let text: string;
	try {
		text = tokenizer.apply_chat_template(messages as Parameters<Tokenizer['apply_chat_template']>[0], {
			chat_template: format.template?.template ?? null,
			tools: plan?.tools ?? null,
			add_generation_prompt: true,
			tokenize: false,
			...(format.template ? specialTokens(tokenizer, format.template) : {})
		}) as unknown as string;
	} catch (err) {
		// Templates raise on conversations they do not accept (roles out of order, a system turn they lack).
		const reason = err instanceof Error ? err.message : String(err);
		throw new LumenError('bad_request', `${describeFormat(format)} could not format these messages: ${reason}`, false, { cause: err });
	}
	return text + (plan?.prefill ?? '');
}

/** The prompt's token ids (apply_chat_template adds no special tokens beyond what the template writes). */
export function chatTokenIds(tokenizer: Tokenizer, format: ChatFormat, request: ChatPromptInput): number[] {
	const text = renderChat(tokenizer, format, request);
	return (tokenizer(text, { add_special_tokens: false, return_tensor: false }) as unknown as { input_ids: number[] }).input_ids;
}

function ownTemplate(tokenizer: Tokenizer): string | Record<string, string> | undefined {
	const own = (tokenizer as unknown as { chat_template?: unknown }).chat_template;
	return typeof own === 'string' || (typeof own === 'object' && own !== null) ? (own as string | Record<string, string>) : undefined;
}

function ownToolSyntax(own: string | Record<string, string> | undefined): ChatFormat['tools'] {
	// A tokenizer with several named templates uses its "tool_use" one when tools are passed.
	const text = typeof own === 'string' ? own : (own?.tool_use ?? own?.default);
	if (!text || !/\btools\b/.test(text)) return 'none';
	return text.includes(TOOL_CALL_OPEN) ? 'hermes' : 'unreadable';
}

// bos_token / eos_token as this tokenizer spells them, the template's own where the tokenizer has none.
function specialTokens(tokenizer: Tokenizer, template: ChatTemplate): { bos_token: string; eos_token: string } {
	const tok = tokenizer as unknown as { bos_token?: string | null; eos_token?: string | null };
	return { bos_token: tok.bos_token || template.bosToken, eos_token: tok.eos_token || template.eosToken };
}

function templateTool(tool: Tool): TemplateTool {
	const { name, description, parameters } = tool.function;
	return { type: 'function', function: { name, ...(description !== undefined ? { description } : {}), ...(parameters ? { parameters } : {}) } };
}

const useToolTemplate = () =>
	`Pick a template with tools (${toolTemplateNames().join(', ')}) with --chat-template or in the chat page's settings, or a model whose own template has tools (e.g. Qwen2.5).`;

function noToolSupport(format: ChatFormat, what: string): string {
	return `"${format.modelId}" formats chats with ${describeFormat(format)}, which has no tool support, so it cannot take ${what}. ${useToolTemplate()}`;
}
