// Images attached to chat messages: kept in IndexedDB as Blobs (binary, a third smaller than base64, and
// read lazily by the browser), and carried as `data:` URLs wherever text is needed: JSON export and import, and the OpenAI request.
import { z } from 'zod';

/** The formats OpenAI-compatible vision servers accept; anything else is refused when attached or imported. */
export const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/gif'] as const;
export type ImageType = (typeof IMAGE_TYPES)[number];
/** No stored or imported image is larger than a file the composer accepts. */
export const MAX_IMAGE_BYTES = 20 * 1024 * 1024;
export const MAX_IMAGES_PER_MESSAGE = 4;

export const isImageType = (type: string): type is ImageType => (IMAGE_TYPES as readonly string[]).includes(type);

const meta = {
	/** The file's name ("Pasted image" for a paste): the best alt text there is without asking the person. */
	name: z.string().max(255),
	width: z.number().int().positive(),
	height: z.number().int().positive()
};

export const StoredImageSchema = z.object({
	blob: z
		.instanceof(Blob)
		.refine((b) => isImageType(b.type), { message: `an image must be one of ${IMAGE_TYPES.join(', ')}` })
		.refine((b) => b.size > 0 && b.size <= MAX_IMAGE_BYTES, { message: `an image must be 1 byte to ${MAX_IMAGE_BYTES} bytes` }),
	...meta
});
export type StoredImage = z.infer<typeof StoredImageSchema>;

const DATA_URL = /^data:(image\/[a-z0-9.+-]+);base64,([A-Za-z0-9+/]*={0,2})$/;

/** An image as exported: its bytes as a `data:` URL, the same form an OpenAI `image_url` part carries. */
export const PortableImageSchema = z
	.object({ url: z.string().regex(DATA_URL, 'an image url must be a data:image/…;base64,… URL'), ...meta })
	.transform(({ url, ...rest }, ctx) => {
		const blob = dataUrlToBlob(url);
		const stored = StoredImageSchema.safeParse({ blob, ...rest });
		if (stored.success) return stored.data;
		for (const issue of stored.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: ['url'] });
		return z.NEVER;
	});
export type PortableImage = z.input<typeof PortableImageSchema>;

/**
 * Either form reads as a stored image, so an imported file and a stored record pass one validation. Picked
 * by shape rather than z.union, whose failure says only "Invalid input" instead of what is wrong with the image.
 */
export const ImageSchema = z.unknown().transform((value, ctx): StoredImage => {
	const portable = typeof value === 'object' && value !== null && 'url' in value;
	const parsed = (portable ? PortableImageSchema : StoredImageSchema).safeParse(value);
	if (parsed.success) return parsed.data;
	for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
	return z.NEVER;
});

export function dataUrlToBlob(url: string): Blob {
	const m = DATA_URL.exec(url);
	if (!m) throw new Error('not a base64 data: URL');
	const binary = atob(m[2]);
	const bytes = new Uint8Array(binary.length);
	for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
	return new Blob([bytes], { type: m[1] });
}

export async function blobToDataUrl(blob: Blob): Promise<string> {
	const bytes = new Uint8Array(await blob.arrayBuffer());
	let binary = '';
	// Chunked: String.fromCharCode(...bytes) overflows the call stack on a large image.
	for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
	return `data:${blob.type};base64,${btoa(binary)}`;
}

export async function toPortableImage({ blob, ...rest }: StoredImage): Promise<PortableImage> {
	return { url: await blobToDataUrl(blob), ...rest };
}
