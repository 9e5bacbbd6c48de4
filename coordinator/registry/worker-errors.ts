// Decides whose fault a worker's error answer is. A client's bad request (any 4xx, or a 5xx whose body
// says the request was invalid) is relayed to the client in OpenAI's shape and leaves the worker healthy;
// only the worker's own failures send it into cooldown, so one bad request cannot knock a worker out.
import { OpenAIErrorBodySchema, type OpenAIErrorBody } from '#protocol/openai-errors';

export type WorkerErrorVerdict =
	/** Relay this body with the worker's status; the worker did its job. */
	| { kind: 'relay'; status: number; body: OpenAIErrorBody }
	/** The worker failed (or refused our credentials): cool it down and try another. */
	| { kind: 'worker_fault'; reason: string };

/** Errors a worker reports about the request itself, whatever status it chose for them. */
const CLIENT_CODES = new Set(['context_length_exceeded', 'bad_request', 'invalid_request', 'invalid_json', 'model_not_found']);

const MAX_QUOTED = 300;

function parseErrorBody(bytes: Buffer): OpenAIErrorBody | null {
	try {
		const parsed = OpenAIErrorBodySchema.safeParse(JSON.parse(bytes.toString('utf8')));
		return parsed.success ? parsed.data : null;
	} catch {
		return null;
	}
}

/** `status` ≥ 400 from a worker, with its body. */
export function judgeWorkerError(status: number, bytes: Buffer): WorkerErrorVerdict {
	const parsed = parseErrorBody(bytes);
	// 401/403 mean the worker refused the coordinator's own credentials: an operator's problem, not the client's.
	if (status === 401 || status === 403) return { kind: 'worker_fault', reason: `it refused the coordinator's credentials (${status})` };
	const saysInvalid =
		parsed !== null && (parsed.error.type === 'invalid_request_error' || (typeof parsed.error.code === 'string' && CLIENT_CODES.has(parsed.error.code)));
	if (status >= 500 && !saysInvalid) return { kind: 'worker_fault', reason: `it answered ${status}` };
	const type = status === 429 ? 'rate_limit_error' : 'invalid_request_error';
	if (parsed)
		return {
			kind: 'relay',
			status,
			body: {
				error: {
					message: parsed.error.message,
					type: parsed.error.type ?? type,
					param: parsed.error.param ?? null,
					code: parsed.error.code ?? null,
					// The worker's localized text (see ErrorText) goes on to the web app with the rest.
					...(parsed.error.i18n ? { i18n: parsed.error.i18n } : {})
				}
			}
		};
	const text = bytes.toString('utf8').trim();
	const quoted = text.length > MAX_QUOTED ? `${text.slice(0, MAX_QUOTED)}…` : text;
	return {
		kind: 'relay',
		status,
		body: {
			error: {
				message: `The worker refused the request with HTTP ${status}${quoted ? `: ${quoted}` : ''}.`,
				type,
				param: null,
				code: 'worker_rejected'
			}
		}
	};
}
