// Errors leaving the runtime stay short: an ONNX Runtime failure can embed a whole tensor in its
// message, which must reach neither a client nor a log line.
import { toLumenError, type ErrorCode, LumenError } from '#protocol/errors';

/** Longest message we pass on; enough for any message we write ourselves. */
export const MAX_ERROR_MESSAGE = 300;

export function shortMessage(message: string, max = MAX_ERROR_MESSAGE): string {
	const oneLine = message.replace(/\s+/g, ' ').trim();
	return oneLine.length <= max ? oneLine : `${oneLine.slice(0, max - 1)}…`;
}

/** Anything thrown, as a LumenError whose message is one line of at most MAX_ERROR_MESSAGE characters. */
export function boundedError(err: unknown, fallback: ErrorCode = 'internal'): LumenError {
	const e = toLumenError(err, fallback);
	const message = shortMessage(e.message);
	return message === e.message ? e : new LumenError(e.code, message, e.retryable, { cause: err, param: e.param, i18n: e.i18n });
}

/** A failure during generation (usually ONNX Runtime's), bounded. */
export const generationError = (err: unknown): LumenError => boundedError(err, 'generation_failed');
