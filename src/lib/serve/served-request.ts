// A request the coordinator sent to a browser worker, checked before it waits in the queue: the model is
// one this tab serves with that capability, the body is valid for its endpoint, and the engine honours
// its parameters. What comes back is the work that answers it: a stream of chunks or one result body.
import type { RequestMessage } from '../protocol/browser-worker';
import type { WorkerCapability } from '../protocol/coordinator';
import { LumenError } from '../protocol/errors';
import {
	ChatCompletionRequestSchema,
	CompletionRequestSchema,
	EmbeddingRequestSchema,
	maxTokensOf,
	type ChatCompletionChunk,
	type ChatCompletionRequest
} from '../protocol/openai';
import type { ServeEngine, ServedCompletionChunk } from './engine';

const CAPABILITY: Record<RequestMessage['kind'], WorkerCapability> = { chat: 'chat', completion: 'completions', embeddings: 'embeddings' };

export type ServedWork =
	| { kind: 'stream'; run: (signal: AbortSignal) => AsyncIterable<ChatCompletionChunk | ServedCompletionChunk> }
	| { kind: 'result'; run: (signal: AbortSignal) => ReturnType<NonNullable<ServeEngine['embed']>> };

/** Throws a LumenError (model_not_found, bad_request naming the field) when the request cannot be served here. */
export function prepareServedRequest(engine: ServeEngine, msg: RequestMessage): ServedWork {
	const model = String(msg.body.model ?? '');
	checkModel(engine, model, CAPABILITY[msg.kind]);
	if (msg.kind === 'embeddings') {
		const request = parseBody(EmbeddingRequestSchema, msg.body);
		const embed = engine.embed?.bind(engine);
		if (!embed) throw new LumenError('bad_request', `This tab offers no embeddings for "${model}".`, false, { param: 'model' });
		engine.check?.(msg.kind, msg.body);
		return { kind: 'result', run: (signal) => embed(request, signal) };
	}
	if (msg.kind === 'chat') {
		const parsed = parseBody(ChatCompletionRequestSchema, msg.body) as ChatCompletionRequest;
		engine.check?.(msg.kind, msg.body);
		// The runtime reads max_tokens; OpenAI's newer name wins when both are given (as in a native worker).
		const request = { ...parsed, max_tokens: maxTokensOf(parsed) };
		return { kind: 'stream', run: (signal) => engine.chat(request, signal) };
	}
	const request = parseBody(CompletionRequestSchema, msg.body);
	const complete = engine.complete?.bind(engine);
	if (!complete) throw new LumenError('bad_request', `This tab offers no text completions for "${model}".`, false, { param: 'model' });
	engine.check?.(msg.kind, msg.body);
	return { kind: 'stream', run: (signal) => complete(request, signal) };
}

function checkModel(engine: ServeEngine, model: string, capability: WorkerCapability): void {
	const served = engine.models.find((m) => m.id === model);
	if (!served)
		throw new LumenError('model_not_found', `Model "${model}" is not served by this tab (it serves ${engine.models.map((m) => m.id).join(', ')}).`, false, {
			param: 'model'
		});
	if (!served.capabilities.includes(capability)) throw new LumenError('bad_request', `Model "${model}" does not offer ${capability} in this tab.`, false, { param: 'model' });
}

/** A request body checked against its endpoint's schema; the first problem becomes a 400 naming the field. */
function parseBody<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } } }, body: unknown): T {
	const parsed = schema.safeParse(body);
	if (parsed.success) return parsed.data;
	const issue = parsed.error.issues[0];
	const param = issue?.path.map(String).join('.') || undefined;
	throw new LumenError('bad_request', `Invalid request${param ? ` at "${param}"` : ''}: ${issue?.message ?? 'malformed body'}`, false, { param });
}
