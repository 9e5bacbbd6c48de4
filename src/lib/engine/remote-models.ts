// A server's models as the page uses them: id, context window and whether the model can see images.
// How servers say so (a Lumen coordinator's `capabilities`, `input_modalities`, OpenRouter's
// `architecture.input_modalities`, llama.cpp's) is read once, by the one OpenAI client's listModels.
import type { CallOptions, OpenAIClient } from '$lib/protocol/openai-client';
import type { ServedModel } from '$lib/protocol/openai-client-chunks';

export type RemoteModel = Omit<ServedModel, 'vision'> & { vision: boolean };

/** The models at `/v1/models` through the one OpenAI client, with what each can do. */
export async function listRemoteModels(client: OpenAIClient, options: CallOptions = {}): Promise<RemoteModel[]> {
	return (await client.listModels(options)).map((m) => ({ ...m, vision: m.vision === true }));
}
