// What a fuzz kind is, the context it runs in, and the checks every response gets: no 5xx but 503,
// every error OpenAI-shaped JSON, no byte of a file outside the web app, an answer when one is due.
import type { Exchange, HttpResponse, SendOptions } from './wire';
import { requestBytes } from './wire';

export type Request = {
	method?: string;
	path: string;
	headers?: Record<string, string | undefined>;
	body?: Buffer | string | object;
	/** 'response' (default): no complete answer is a problem. 'any': the server may also just close. */
	expect?: 'response' | 'any';
	deadlineMs?: number;
} & Pick<SendOptions, 'abandonAfterBodyBytes' | 'abandonAfterMs'>;

export type FuzzContext = {
	port: number;
	model: string;
	secret: string;
	/** Where the served coordinator keeps its worker secret: no path may reach it. */
	secretFile: string;
	contextLength: number;
	rng: () => number;
	pick<T>(items: readonly T[]): T;
	/** A prompt of about `tokens` tokens for the served model (calibrated at start). */
	promptOfTokens(tokens: number): string;
	/** One HTTP request; the body is JSON-encoded unless it is a string or Buffer. */
	request(r: Request): Promise<HttpResponse | null>;
	/** Raw bytes on one connection; every response that comes back is checked. */
	raw(o: Omit<SendOptions, 'port'> & { expect?: 'response' | 'any' }): Promise<Exchange>;
	/** A kind-specific failure (e.g. an ordinary request that was not served). */
	problem(message: string): void;
};

export type Kind = {
	name: string;
	group: 'body' | 'method' | 'path' | 'header' | 'raw' | 'worker' | 'arena' | 'stream' | 'control';
	/** Relative share of the requests (default 1). */
	weight?: number;
	/** At most this many runs per 1,000 requests (kinds that keep the model busy). */
	perThousand?: number;
	run(ctx: FuzzContext): Promise<void>;
};

/** Strict OpenAI error shape: exactly `{error:{message,type,param,code}}` with a useful message. */
export function openAIErrorProblem(body: Buffer): string | null {
	let json: unknown;
	try {
		json = JSON.parse(body.toString('utf8'));
	} catch {
		return `error body is not JSON: ${JSON.stringify(body.toString('utf8').slice(0, 80))}`;
	}
	const error = (json as { error?: Record<string, unknown> } | null)?.error;
	if (!error || typeof error !== 'object' || Object.keys(json as object).length !== 1) return 'error body is not {"error":{…}}';
	if (typeof error.message !== 'string' || error.message.length < 5) return 'error.message missing or empty';
	if (typeof error.type !== 'string') return 'error.type missing';
	if (!('param' in error) || (error.param !== null && typeof error.param !== 'string')) return 'error.param missing';
	if (!('code' in error) || (error.code !== null && typeof error.code !== 'string' && typeof error.code !== 'number')) return 'error.code missing';
	return null;
}

/** The checks every response gets; returns its problems. */
export function checkResponse(r: HttpResponse, head: boolean, forbidden: readonly string[]): string[] {
	const problems: string[] = [];
	if (r.status >= 500 && r.status !== 503) problems.push(`HTTP ${r.status}${errorCode(r)}`);
	if (r.status >= 400) {
		if (!(r.headers['content-type'] ?? '').includes('application/json')) problems.push(`HTTP ${r.status} error without a JSON content-type`);
		if (!head && r.complete) {
			const shape = openAIErrorProblem(r.body);
			if (shape) problems.push(`HTTP ${r.status}: ${shape}`);
		}
	}
	const text = r.body.toString('latin1');
	for (const marker of forbidden) if (marker && text.includes(marker)) problems.push(`served a file outside the web app (found ${JSON.stringify(marker.slice(0, 20))})`);
	return problems;
}

function errorCode(r: HttpResponse): string {
	try {
		const code = JSON.parse(r.body.toString('utf8'))?.error?.code;
		return code ? ` (${code})` : '';
	} catch {
		return '';
	}
}

/** Request bytes from a Request (JSON bodies get a JSON content type unless the kind set one). */
export function bytesOf(r: Request): Buffer {
	const isRaw = typeof r.body === 'string' || Buffer.isBuffer(r.body);
	const body = r.body === undefined ? undefined : isRaw ? (r.body as Buffer | string) : JSON.stringify(r.body);
	const headers = { ...(r.body !== undefined && !isRaw ? { 'Content-Type': 'application/json' } : {}), ...r.headers };
	return requestBytes(r.method ?? (r.body === undefined ? 'GET' : 'POST'), r.path, headers, body);
}
