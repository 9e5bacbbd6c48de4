// A short greedy run that warms a freshly loaded model up and measures its decode speed in tokens/s:
// what a native worker registers and a serving tab says hello with, so dispatch weighs both alike.
import { streamCompletion } from './transformers-complete';
import type { LoadedTextModel } from './transformers-generate';

export async function measureSpeed(loaded: LoadedTextModel, tokens = 16): Promise<number> {
	const request = { model: loaded.modelId, prompt: 'Hello', max_tokens: tokens, temperature: 0 };
	await drain(streamCompletion(loaded, { ...request, max_tokens: 2 }));
	const t0 = performance.now();
	const generated = await drain(streamCompletion(loaded, request));
	const seconds = (performance.now() - t0) / 1000;
	return Math.max(1, generated / Math.max(seconds, 1e-3));
}

async function drain(chunks: AsyncIterable<{ usage?: { completion_tokens: number } | null }>): Promise<number> {
	let generated = 0;
	for await (const c of chunks) if (c.usage) generated = c.usage.completion_tokens;
	return generated;
}
