// The terminal chat loop of `lumen chat` (FastChat's CLI, reshaped): streamed answers (markdown on a terminal),
// `\` line continuation or --multiline input, and slash commands: /regen, /undo, /save, /load, /clear, /help,
// /exit. Ctrl-C stops the answer, and a second Ctrl-C at the prompt exits. Works the same with piped (non-TTY)
// stdin, where Ctrl-C arrives as a SIGINT signal.
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { toLumenError } from '#protocol/errors';
import { AsyncQueue } from '../../workers/runtime/async-queue';
import type { ChatEngine } from './chat-engines';
import { Conversation, ConversationFileError, conversationPath, loadConversation, saveConversation } from './chat-conversation';
import { MessagePrinter, type Screen } from './chat-render';

export const CHAT_COMMANDS_HELP = `Commands:
  /regen       answer your last message again (the old answer is replaced)
  /undo        remove the last turn: your last message and its answer
  /save FILE   save the conversation (model, system prompt, messages) as JSON (FILE.json if no extension)
  /load FILE   continue a conversation saved with /save (it replaces the current one)
  /clear       forget the conversation (the system prompt stays)
  /help        this list
  /exit        quit (so do Ctrl-D and two Ctrl-C in a row at the prompt)`;

export const CHAT_KEYS_HELP = `
Typing:
  Enter sends the message. End a line with \\ to continue the message on the next line.
  With --multiline, Enter starts a new line and an empty line sends the message.
  Ctrl-C while an answer streams: stop that answer and keep chatting.

${CHAT_COMMANDS_HELP}

On a terminal, answers stream as text and are then shown as formatted markdown (--no-markdown: plain).
Piped stdin works too: one message per line, e.g.  printf 'hi\\n/save chat\\n' | lumen chat`;

export type ChatReplOptions = {
	system?: string;
	temperature?: number;
	maxTokens?: number;
	/** Enter starts a new line; an empty line sends. */
	multiline?: boolean;
	/** Render answers as markdown when the output is a terminal (default true). */
	markdown?: boolean;
	input?: Readable;
	output?: Writable;
	errors?: Writable;
	/** Defaults to whether stdin and stdout are terminals. */
	terminal?: boolean;
};

export async function runChatRepl(engine: ChatEngine, options: ChatReplOptions = {}): Promise<void> {
	const input = options.input ?? process.stdin;
	const output = options.output ?? process.stdout;
	const errors = options.errors ?? process.stderr;
	const terminal = options.terminal ?? Boolean(process.stdin.isTTY && process.stdout.isTTY);
	const tty = output === process.stdout && process.stdout.isTTY;
	const screen: Screen | null = tty
		? { markdown: options.markdown ?? true, columns: () => process.stdout.columns || 80, rows: () => process.stdout.rows || 24 }
		: null;
	const userPrompt = options.multiline ? 'USER [empty line sends]: ' : 'USER: ';
	const rl = createInterface({ input, output, terminal, prompt: userPrompt });
	const lines = new AsyncQueue<string>();
	rl.on('line', (line) => lines.push(line));
	rl.on('close', () => lines.close());

	const conversation = new Conversation(options.system);
	let pending: string[] = []; // lines of the message being typed
	let answering: AbortController | null = null;
	let exitArmed = false;
	const say = (text: string) => output.write(text + '\n');
	const prompt = (text: string) => {
		if (!terminal) return;
		rl.setPrompt(text);
		rl.prompt();
	};

	const interrupt = () => {
		if (answering) return answering.abort();
		if (exitArmed) return rl.close();
		exitArmed = true;
		pending = [];
		output.write('\n(To exit, press Ctrl-C again or type /exit)\n');
		if (terminal) rl.write(null, { ctrl: true, name: 'u' }); // drop what was typed on the line
		prompt(userPrompt);
	};
	rl.on('SIGINT', interrupt); // a terminal: readline reads Ctrl-C as a key
	process.on('SIGINT', interrupt); // piped stdin: Ctrl-C (or kill -INT) is a real signal

	const readMessage = async (): Promise<string | null> => {
		prompt(userPrompt);
		for (;;) {
			const next = await lines.next();
			if (next.done) return pending.length ? pending.splice(0).join('\n') : null;
			exitArmed = false;
			const line = next.value;
			if (options.multiline) {
				if (line === '' && pending.length) return pending.splice(0).join('\n');
				if (line.startsWith('/') && !pending.length) return line; // commands need no empty line
				if (line !== '' || pending.length) pending.push(line);
				prompt(pending.length ? '...   ' : userPrompt);
				continue;
			}
			if (line.endsWith('\\')) {
				pending.push(line.slice(0, -1));
				prompt('...   ');
				continue;
			}
			pending.push(line);
			return pending.splice(0).join('\n');
		}
	};

	/** Asks `message`; if no answer comes, the conversation goes back to `before` (default: without `message`). */
	const answer = async (message: string, before = [...conversation.messages]) => {
		conversation.messages.push({ role: 'user', content: message });
		const controller = new AbortController();
		answering = controller;
		const printer = new MessagePrinter(output, screen, 'ASSISTANT: ');
		let text = '';
		try {
			const request = { messages: conversation.request(), temperature: options.temperature, max_tokens: options.maxTokens };
			for await (const chunk of engine.chat(request, controller.signal)) {
				const delta = chunk.choices[0]?.delta.content;
				if (delta) {
					printer.write(delta);
					text += delta;
				}
			}
			printer.end(controller.signal.aborted ? ' [stopped]' : '');
			conversation.messages.push({ role: 'assistant', content: text });
		} catch (err) {
			const e = toLumenError(err);
			if (controller.signal.aborted || e.code === 'aborted') {
				printer.end(' [stopped]');
				conversation.messages.push({ role: 'assistant', content: text });
			} else {
				output.write('\n');
				errors.write(`error (${e.code}): ${e.message}\n`);
				conversation.messages = before; // the message got no answer: let it be sent again (a /regen keeps the old answer)
			}
		} finally {
			answering = null;
		}
	};

	const showConversation = () => {
		if (conversation.system) say(`SYSTEM: ${conversation.system}`);
		for (const m of conversation.messages) {
			if (m.role === 'user') MessagePrinter.print(output, screen && { ...screen, markdown: false }, 'USER: ', m.content);
			else MessagePrinter.print(output, screen, 'ASSISTANT: ', m.content);
		}
	};

	const fileCommand = async (name: string, argument: string) => {
		if (!argument) return say(`Usage: /${name} FILE`);
		const file = conversationPath(argument);
		try {
			if (name === 'save') {
				await saveConversation(file, conversation.toFile(engine.model));
				return say(`(saved ${conversation.messages.length} messages to ${file})`);
			}
			const loaded = await loadConversation(file);
			conversation.system = loaded.system;
			conversation.messages = loaded.messages;
			const other = loaded.model === engine.model ? '' : `; it was held with ${loaded.model}, ${engine.model} continues it`;
			say(`(loaded ${loaded.messages.length} messages from ${file}${other})`);
			showConversation();
		} catch (err) {
			if (!(err instanceof ConversationFileError)) throw err;
			errors.write(`error: ${err.message}\n`);
		}
	};

	/** Runs a slash command; false means /exit. */
	const command = async (name: string, argument: string): Promise<boolean> => {
		switch (name) {
			case 'exit':
			case 'quit':
				return false;
			case 'help':
				say(CHAT_COMMANDS_HELP);
				break;
			case 'clear':
				conversation.clear();
				say('(conversation cleared)');
				break;
			case 'undo': {
				const removed = conversation.undo();
				say(removed === null ? '(nothing to undo)' : `(removed the last turn: "${removed.length > 40 ? removed.slice(0, 40) + '…' : removed}")`);
				break;
			}
			case 'regen': {
				const before = [...conversation.messages];
				const question = conversation.undo();
				if (question === null) say('(nothing to regenerate yet: send a message first)');
				else await answer(question, before);
				break;
			}
			case 'save':
			case 'load':
				await fileCommand(name, argument);
				break;
			default:
				say(`Unknown command /${name}. Commands: /regen /undo /save FILE /load FILE /clear /help /exit (/help explains them).`);
		}
		return true;
	};

	try {
		for (;;) {
			const message = await readMessage();
			if (message === null) break;
			const slash = /^\/(\w+)(?:[ \t]+(.*))?$/.exec(message.trim());
			if (slash) {
				if (!(await command(slash[1], slash[2]?.trim() ?? ''))) break;
			} else if (message.trim()) await answer(message);
		}
	} finally {
		process.off('SIGINT', interrupt);
		rl.close();
	}
}
