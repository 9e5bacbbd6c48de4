// How OpenAI-compatible servers report failures, in each server's dialect, turned into LumenErrors.
// Shared by the HTTP client (non-2xx answers) and the SSE parser (errors sent inside a stream).
import { LumenError, errorText, type ErrorText } from './errors';
import { OpenAIErrorBodySchema, openAIErrorToLumen } from './openai-errors';

/** A non-2xx answer. The status stays available to callers whose retry policy depends on it (the vote outbox). */
export class HttpStatusError extends LumenError {
	readonly status: number;
	constructor(status: number, from: LumenError) {
		super(from.code, from.message, from.retryable, from.i18n ? { i18n: from.i18n } : undefined);
		this.status = status;
	}
}

type Payload = { message: string; code?: string | number; i18n?: ErrorText };

/**
 * The message and code in an error body: OpenAI's and llama.cpp's `{error: {message, code}}`, Ollama's and
 * TGI's `{error: "…"}`, vLLM's and FastAPI's `{message}` / `{detail}`. Null when the body holds no error.
 */
export function readErrorPayload(body: unknown): Payload | null {
	const openai = OpenAIErrorBodySchema.safeParse(body);
	if (openai.success) {
		const { message, code, i18n } = openai.data.error;
		return { message, code: code ?? undefined, ...(i18n ? { i18n } : {}) };
	}
	if (typeof body !== 'object' || body === null) return null;
	const b = body as Record<string, unknown>;
	const code = typeof b.code === 'string' || typeof b.code === 'number' ? b.code : undefined;
	for (const m of [b.error, b.message, b.detail]) if (typeof m === 'string' && m) return { message: m, code };
	return null;
}

/**
 * An error payload as a LumenError. A numeric code in the HTTP error range (vLLM sends `code: 400` inside
 * streams) is taken as the status, since it says more than the 200 the stream started with.
 */
export function payloadToLumen(payload: Payload, status: number): LumenError {
	const inner = typeof payload.code === 'number' && payload.code >= 400 && payload.code < 600 ? payload.code : status;
	return openAIErrorToLumen({ error: { message: payload.message, code: payload.code, i18n: payload.i18n } }, inner);
}

export type ErrorContext = {
	/** How messages name the server, e.g. "the server at http://gpu:8000". */
	server: string;
	/** What to do about a refused API key, e.g. "Check the API key in Settings." */
	keyHint: string;
	/** The server's root URL, for the localized texts; without it they fall back to the code's headline. */
	url?: string;
};

/** A non-2xx response as a LumenError whose message says what went wrong and what to do. */
export async function httpErrorToLumen(res: Response, path: string, ctx: ErrorContext): Promise<HttpStatusError> {
	const text = await res.text().catch(() => '');
	let body: unknown = null;
	try {
		body = JSON.parse(text);
	} catch {
		// Not JSON (an HTML error page, a proxy's plain text): described below from the status.
	}
	const payload = readErrorPayload(body);
	if (res.status === 401 || res.status === 403) {
		const detail = payload ? ` (${payload.message})` : '';
		const i18n = ctx.url === undefined ? undefined : errorText('error.text.unauthorized', { url: ctx.url });
		return new HttpStatusError(res.status, new LumenError('unauthorized', `${capitalize(ctx.server)} refused the API key${detail}. ${ctx.keyHint}`, false, { i18n }));
	}
	if (payload) return new HttpStatusError(res.status, payloadToLumen(payload, res.status));
	const plain = !body && text.length > 0 && text.length <= 200 && !/^\s*</.test(text) ? `: ${text.trim()}` : '';
	const status = `${res.status}${res.statusText ? ` ${res.statusText}` : ''}`;
	const message = `${capitalize(ctx.server)} answered HTTP ${status} for ${path}${plain}. ${hintFor(res.status)}`;
	return new HttpStatusError(res.status, openAIErrorToLumen({ error: { message } }, res.status));
}

function hintFor(status: number): string {
	if (status === 404) return 'Check the URL: it should be a Lumen coordinator or an OpenAI-compatible server (e.g. http://host:8000 or http://host:8000/v1).';
	if (status === 429) return 'Too many requests: wait a moment, then try again.';
	if (status >= 500) return 'The server is in trouble or busy: try again in a moment.';
	return 'The server did not accept the request.';
}

export function capitalize(s: string): string {
	return s.charAt(0).toUpperCase() + s.slice(1);
}
