// Turns a picked, pasted or dropped file into an image fit to send: image types only, a bounded file size, and
// large pictures downscaled (longest side 1568 px) and re-encoded as JPEG, so a request stays well inside a server's
// body limit (a Lumen coordinator's default is 1 MiB) and within what vision models look at anyway.
import { formatBytes } from '$lib/catalog/catalog';
import { LumenError } from '$lib/protocol/errors';
import { MAX_IMAGE_BYTES, isImageType, type ImageType, type StoredImage } from '$lib/storage';

/** Longer sides are scaled down: vision models resize to about this anyway (Claude 1568, GPT-4o tiles of 512 up to 2048). */
export const MAX_SIDE = 1568;
/** An image this small and within MAX_SIDE is sent as it is; larger ones are re-encoded until they fit. */
export const TARGET_BYTES = 512 * 1024;

type FileLike = { name: string; type: string; size: number };

const LABELS: Record<ImageType, string> = { 'image/png': 'PNG', 'image/jpeg': 'JPEG', 'image/webp': 'WebP', 'image/gif': 'GIF' };
const KINDS = Object.values(LABELS).slice(0, -1).join(', ') + ' or ' + Object.values(LABELS).at(-1);

/** Why this file cannot be attached, in words the person can act on, or null when it may be tried. */
export function refusalOf(file: FileLike): string | null {
	const name = file.name || 'The pasted file';
	if (!isImageType(file.type)) {
		return `${name} is not an image this app can send (${file.type || 'unknown type'}). Attach a ${KINDS} file.`;
	}
	if (file.size > MAX_IMAGE_BYTES) return `${name} is ${formatBytes(file.size)}; images up to ${formatBytes(MAX_IMAGE_BYTES)} can be attached.`;
	return null;
}

/** The size that keeps the aspect ratio with the longer side at most `maxSide`. */
export function fitWithin(width: number, height: number, maxSide: number): { width: number; height: number } {
	const scale = Math.min(1, maxSide / Math.max(width, height));
	return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/** Re-encoding attempts, each smaller than the last; the last result is kept whatever its size. */
const STEPS = [
	{ scale: 1, quality: 0.85 },
	{ scale: 1, quality: 0.7 },
	{ scale: 0.75, quality: 0.7 },
	{ scale: 0.5, quality: 0.7 },
	{ scale: 0.35, quality: 0.6 }
] as const;

/** Browser only (createImageBitmap, OffscreenCanvas). Throws a bad_request LumenError that says what to do. */
export async function prepareImage(file: File): Promise<StoredImage> {
	const refusal = refusalOf(file);
	if (refusal) throw new LumenError('bad_request', refusal);
	const name = (file.name || 'Pasted image').slice(0, 255);
	let bitmap: ImageBitmap;
	try {
		bitmap = await createImageBitmap(file);
	} catch {
		throw new LumenError('bad_request', `${name} could not be read as an image. Is the file complete? Try saving it again as PNG or JPEG.`);
	}
	try {
		const { width, height } = bitmap;
		if (Math.max(width, height) <= MAX_SIDE && file.size <= TARGET_BYTES) return { blob: file.slice(0, file.size, file.type), name, width, height };
		const fitted = fitWithin(width, height, MAX_SIDE);
		let image: StoredImage | null = null;
		for (const step of STEPS) {
			const size = fitWithin(fitted.width, fitted.height, Math.max(fitted.width, fitted.height) * step.scale);
			image = { blob: await encodeJpeg(bitmap, size, step.quality), name, ...size };
			if (image.blob.size <= TARGET_BYTES) break;
		}
		return image!;
	} finally {
		bitmap.close();
	}
}

async function encodeJpeg(bitmap: ImageBitmap, size: { width: number; height: number }, quality: number): Promise<Blob> {
	const canvas = new OffscreenCanvas(size.width, size.height);
	const ctx = canvas.getContext('2d');
	if (!ctx) throw new LumenError('internal', 'This browser cannot draw images (no 2D canvas), so large pictures cannot be resized.');
	// JPEG has no transparency: transparent pixels would turn black, so they are put on white first.
	ctx.fillStyle = '#fff';
	ctx.fillRect(0, 0, size.width, size.height);
	ctx.drawImage(bitmap, 0, 0, size.width, size.height);
	return canvas.convertToBlob({ type: 'image/jpeg', quality });
}
