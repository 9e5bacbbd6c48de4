// Tells a model download that failed because this device is offline apart from other load errors,
// and says so plainly. A failed fetch (no network, server gone) or a 503/504 from the service worker.
import { LumenError } from '$lib/protocol/errors';

const FAILED_FETCH = /failed to fetch|networkerror|network request failed|load failed|network connection was lost/i;
const UNAVAILABLE = /service unavailable|gateway timeout|\((?:503|504)\)/i;

/** True when `err` (or its cause) is a network failure rather than a bad or missing file. */
export function isOfflineFetchError(err: unknown, depth = 0): boolean {
	if (typeof err !== 'object' || err === null || depth > 3) return false;
	const { name, message, status, cause } = err as { name?: unknown; message?: unknown; status?: unknown; cause?: unknown };
	const text = typeof message === 'string' ? message : '';
	if (name === 'TypeError' && FAILED_FETCH.test(text)) return true;
	if (status === 503 || status === 504 || UNAVAILABLE.test(text)) return true;
	return isOfflineFetchError(cause, depth + 1);
}

export function offlineModelError(modelName: string): LumenError {
	return new LumenError(
		'download_failed',
		`${modelName} is not saved on this device, and it cannot be downloaded while offline. Connect to the internet, or pick a model you have used before.`,
		true
	);
}
