// What a server's /v1/models says about each model beyond its id and context window: whether it can see
// images. Servers say so differently: a Lumen coordinator lists `capabilities: [..., "vision"]`, OpenRouter-style
// servers `architecture.input_modalities: [..., "image"]`; servers that say nothing (vLLM, llama.cpp) read as text-only.
import { z } from 'zod';
import type { CallOptions, OpenAIClient } from '$lib/protocol/openai-client';
import { LooseModelListSchema, servedModels, type ServedModel } from '$lib/protocol/openai-client-chunks';

export type RemoteModel = ServedModel & { vision: boolean };

// A malformed extra field never costs the model: it just reads as "not said".
const names = z.array(z.string()).nullish().catch(null);
const RemoteModelListSchema = z.object({
	data: z.array(
		LooseModelListSchema.shape.data.element.extend({
			capabilities: names,
			input_modalities: names,
			architecture: z.object({ input_modalities: names }).nullish().catch(null)
		})
	)
});
type Listed = z.infer<typeof RemoteModelListSchema>['data'][number];

function seesImages(m: Listed): boolean {
	return Boolean(m.capabilities?.includes('vision') || m.input_modalities?.includes('image') || m.architecture?.input_modalities?.includes('image'));
}

/** The models at `/v1/models` through the one OpenAI client, with what each can do. */
export async function listRemoteModels(client: OpenAIClient, options: CallOptions = {}): Promise<RemoteModel[]> {
	const list = await client.getJSON('/v1/models', RemoteModelListSchema, options);
	const served = servedModels(list);
	return list.data.map((m, i) => ({ ...served[i], vision: seesImages(m) }));
}
