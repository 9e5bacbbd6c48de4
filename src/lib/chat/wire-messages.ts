// Stored messages as the OpenAI API takes them: a user message with images becomes its text part followed by
// one `image_url` part per image, each a `data:` URL, so any OpenAI-compatible vision server reads it as sent.
import type { ContentPart, WireMessage } from '$lib/protocol/openai';
import { blobToDataUrl, type StoredImage, type StoredMessage } from '$lib/storage';

// A Blob never changes, so its data: URL is made once, not again for every later turn that resends it.
const urls = new WeakMap<Blob, Promise<string>>();
const dataUrlOf = (image: StoredImage): Promise<string> => {
	let url = urls.get(image.blob);
	if (!url) urls.set(image.blob, (url = blobToDataUrl(image.blob)));
	return url;
};

export async function toWireMessage(m: StoredMessage): Promise<WireMessage> {
	if (m.role !== 'user' || !m.images?.length) return { role: m.role, content: m.content };
	const parts: ContentPart[] = m.content ? [{ type: 'text', text: m.content }] : [];
	for (const image of m.images) parts.push({ type: 'image_url', image_url: { url: await dataUrlOf(image) } });
	return { role: 'user', content: parts };
}

export const hasImages = (messages: readonly StoredMessage[]): boolean => messages.some((m) => (m.images?.length ?? 0) > 0);
