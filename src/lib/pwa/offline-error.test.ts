// Offline model errors: a failed fetch or a 503/504 becomes one plain, retryable message.
import { describe, expect, it } from 'vitest';
import { isOfflineFetchError, offlineModelError } from './offline-error';

describe('isOfflineFetchError', () => {
	it('recognises a failed fetch and a 503/504 from the service worker', () => {
		expect(isOfflineFetchError(new TypeError('Failed to fetch'))).toBe(true);
		expect(isOfflineFetchError(new TypeError('NetworkError when attempting to fetch resource.'))).toBe(true);
		expect(isOfflineFetchError(new Error('Service unavailable error occurred while trying to load file: "x".'))).toBe(true);
		expect(isOfflineFetchError(new Error('Gateway timeout error occurred while trying to load file: "x".'))).toBe(true);
		expect(isOfflineFetchError(new Error('wrapped', { cause: new TypeError('Failed to fetch') }))).toBe(true);
	});

	it('leaves missing files and other failures alone', () => {
		expect(isOfflineFetchError(new Error('Could not locate file: "x".'))).toBe(false);
		expect(isOfflineFetchError(new TypeError('x is not a function'))).toBe(false);
		expect(isOfflineFetchError('Failed to fetch')).toBe(false);
		expect(isOfflineFetchError(null)).toBe(false);
	});
});

describe('offlineModelError', () => {
	it('says plainly what happened and what to do, and may be retried', () => {
		const e = offlineModelError('Lumen Tiny B').toData();
		expect(e).toEqual({
			code: 'download_failed',
			message:
				'Lumen Tiny B is not saved on this device, and it cannot be downloaded while offline. Connect to the internet, or pick a model you have used before.',
			retryable: true
		});
	});
});
