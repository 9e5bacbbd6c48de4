// Which optional request parameters a local backend honours, and the check that refuses the others by
// name. Pure (no Node, no DOM), so a native worker's HTTP layer and a serving tab's engine
// (workers/runtime/serve-engine.ts) refuse exactly the same requests with the same words.
import { RUNTIME_PARAMETERS } from '../runtime/sampling-settings';
import { BASIC_FIELDS, OPTIONAL_PARAMETERS, type ApiEndpoint, type SupportedParameters } from './backend';

/**
 * The optional request parameters the Transformers.js runtime honours (the rest are refused by name with a
 * 400; see OPTIONAL_PARAMETERS in backend.ts): what it reads (RUNTIME_PARAMETERS), the tool fields (the
 * runtime itself refuses them, naming templates that can, when this model's format has no tools), and the
 * embeddings fields when the export has hidden states.
 */
export function onnxSupports(embeds: boolean): SupportedParameters {
	const known = <E extends keyof SupportedParameters>(endpoint: E, names: readonly string[]) =>
		new Set(names.filter((n): n is Extract<keyof (typeof OPTIONAL_PARAMETERS)[E], string> => n in OPTIONAL_PARAMETERS[endpoint]));
	return {
		chat: known('chat', [...RUNTIME_PARAMETERS.chat, 'tools', 'tool_choice', 'parallel_tool_calls']),
		completions: known('completions', RUNTIME_PARAMETERS.completions),
		embeddings: known('embeddings', embeds ? ['encoding_format', 'dimensions'] : [])
	};
}

/**
 * The first parameter of `body` that `supported` leaves out, unless its value asks for nothing (`n: 1`,
 * `logprobs: false`, `response_format: {type: "text"}`); a field no local backend knows counts too, so a
 * client never gets an answer that silently ignored what it asked for. `who` names the backend in the message.
 */
export function unsupportedParameter(
	who: string,
	endpoint: ApiEndpoint,
	body: Record<string, unknown>,
	supported: ReadonlySet<string>
): { param: string; message: string } | null {
	const known: Record<string, (value: unknown, body: Record<string, unknown>) => boolean> = OPTIONAL_PARAMETERS[endpoint];
	const redirect = 'Remove it, or send the request to a model served by an OpenAI-compatible upstream (vLLM, llama.cpp, …) that supports it.';
	for (const [name, value] of Object.entries(body)) {
		if (value === undefined || value === null || BASIC_FIELDS[endpoint].includes(name) || supported.has(name)) continue;
		const neutral = Object.hasOwn(known, name) ? known[name] : undefined;
		if (neutral?.(value, body)) continue;
		const what = neutral ? `cannot honour '${name}' (${describeValue(value)})` : `does not know the parameter '${name}'`;
		return { param: name, message: `${who} ${what}. ${redirect}` };
	}
	return null;
}

/** `json_object` for `{type: "json_object"}`, else the value as short JSON. */
function describeValue(value: unknown): string {
	const type = (value as { type?: unknown } | null)?.type;
	if (typeof type === 'string') return type;
	const json = JSON.stringify(value) ?? String(value);
	return json.length > 40 ? `${json.slice(0, 40)}…` : json;
}
