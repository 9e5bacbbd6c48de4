// The conversation `lumen chat` holds: a system prompt and the turns so far, the edits its commands make
// (/undo, /regen, /clear), and its file (/save, /load). Invariant: `messages` never holds a system message;
// the system prompt lives apart in `system`, so undo and regen only ever touch turns.
import { readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, extname } from 'node:path';
import { z } from 'zod';
import type { ChatMessage } from '#protocol/openai';

/**
 * A saved conversation (`/save FILE`), e.g.
 * `{"format":"lumen-chat-conversation","version":1,"model":"lumen-tiny-a","system":"Be brief.",
 *   "messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"Hello!"}]}`.
 * `system` is left out when there is no system prompt. FastChat saves its template's own dict; ours names
 * the model it was held with and keeps only plain user/assistant turns, so any model can continue it.
 */
export const ConversationFileSchema = z.strictObject({
	format: z.literal('lumen-chat-conversation'),
	version: z.literal(1),
	model: z.string().min(1),
	system: z.string().optional(),
	messages: z.array(z.strictObject({ role: z.enum(['user', 'assistant']), content: z.string() }))
});
export type ConversationFile = z.infer<typeof ConversationFileSchema>;
type Turn = ConversationFile['messages'][number];

/** A /save or /load that could not be done; `message` says which file, what is wrong and what to do. */
export class ConversationFileError extends Error {}

export class Conversation {
	messages: Turn[] = [];
	constructor(public system: string | undefined) {}

	/** What the model is sent: the system prompt (if any) and the turns. */
	request(): ChatMessage[] {
		return this.system ? [{ role: 'system', content: this.system }, ...this.messages] : [...this.messages];
	}

	clear(): void {
		this.messages = [];
	}

	/** Removes the last turn (the last user message and the answer to it); returns that user message. */
	undo(): string | null {
		if (this.messages.at(-1)?.role === 'assistant') this.messages.pop();
		return this.messages.at(-1)?.role === 'user' ? this.messages.pop()!.content : null;
	}

	toFile(model: string): ConversationFile {
		return { format: 'lumen-chat-conversation', version: 1, model, ...(this.system ? { system: this.system } : {}), messages: this.messages.map((m) => ({ ...m })) };
	}
}

/** FastChat's rule: a name without an extension gets `.json`. */
export function conversationPath(name: string): string {
	return extname(name) ? name : `${name}.json`;
}

export async function saveConversation(file: string, content: ConversationFile): Promise<void> {
	try {
		await writeFile(file, JSON.stringify(content, null, 2) + '\n');
	} catch (err) {
		const code = (err as NodeJS.ErrnoException).code;
		if (code === 'ENOENT') throw new ConversationFileError(`Cannot save to ${file}: the folder ${dirname(file)} does not exist. Create it first, or save somewhere else.`);
		if (code === 'EISDIR') throw new ConversationFileError(`Cannot save to ${file}: it is a folder. Give a file name, e.g. /save ${file.replace(/\/+$/, '')}/chat.json`);
		if (code === 'EACCES' || code === 'EPERM') throw new ConversationFileError(`Cannot save to ${file}: permission denied. Save somewhere you can write.`);
		throw new ConversationFileError(`Cannot save to ${file}: ${(err as Error).message}`);
	}
}

export async function loadConversation(file: string): Promise<ConversationFile> {
	let text: string;
	try {
		if ((await stat(file)).isDirectory()) throw new ConversationFileError(`Cannot load ${file}: it is a folder, not a conversation file.`);
		text = await readFile(file, 'utf8');
	} catch (err) {
		if (err instanceof ConversationFileError) throw err;
		const code = (err as NodeJS.ErrnoException).code;
		if (code === 'ENOENT') throw new ConversationFileError(`Cannot load ${file}: no such file. Check the path (files saved with /save FILE).`);
		throw new ConversationFileError(`Cannot load ${file}: ${(err as Error).message}`);
	}
	let json: unknown;
	try {
		json = JSON.parse(text);
	} catch (err) {
		throw new ConversationFileError(`Cannot load ${file}: it is not valid JSON (${(err as Error).message}).`);
	}
	const parsed = ConversationFileSchema.safeParse(json);
	if (!parsed.success) {
		const problems = parsed.error.issues.slice(0, 3).map((i) => `${i.path.length ? i.path.join('.') : 'the file'}: ${i.message}`);
		throw new ConversationFileError(
			`Cannot load ${file}: it is not a Lumen conversation (${problems.join('; ')}). ` +
				'Expected {"format":"lumen-chat-conversation","version":1,"model":…,"system"?:…,"messages":[{"role":"user"|"assistant","content":…}]}, as /save writes.'
		);
	}
	return parsed.data;
}
