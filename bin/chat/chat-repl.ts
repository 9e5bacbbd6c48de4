// The terminal chat loop of `lumen chat` (FastChat's CLI, reshaped): streamed answers, `\` line
// continuation, /clear and /exit; Ctrl-C stops the answer, and a second Ctrl-C at the prompt exits.
// Works the same with piped (non-TTY) stdin, where Ctrl-C arrives as a SIGINT signal.
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { toLumenError } from '#protocol/errors';
import type { ChatMessage } from '#protocol/openai';
import { AsyncQueue } from '../../workers/runtime/async-queue';
import type { ChatEngine } from './chat-engines';

export const CHAT_KEYS_HELP = `
Typing:
  Enter sends the message. End a line with \\ to continue the message on the next line.
  /clear  forget the conversation (the system prompt stays)
  /exit   quit (so do Ctrl-D and two Ctrl-C in a row at the prompt)
  Ctrl-C  while an answer streams: stop that answer and keep chatting
Piped stdin works too: one message per line, e.g.  printf 'hi\\n/exit\\n' | lumen chat`;

export type ChatReplOptions = {
	system?: string;
	temperature?: number;
	maxTokens?: number;
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
	const rl = createInterface({ input, output, terminal, prompt: 'USER: ' });
	const lines = new AsyncQueue<string>();
	rl.on('line', (line) => lines.push(line));
	rl.on('close', () => lines.close());

	const fresh = (): ChatMessage[] => (options.system ? [{ role: 'system', content: options.system }] : []);
	let history = fresh();
	let pending: string[] = []; // continued lines of the message being typed
	let answering: AbortController | null = null;
	let exitArmed = false;
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
		prompt('USER: ');
	};
	rl.on('SIGINT', interrupt); // a terminal: readline reads Ctrl-C as a key
	process.on('SIGINT', interrupt); // piped stdin: Ctrl-C (or kill -INT) is a real signal

	const readMessage = async (): Promise<string | null> => {
		prompt('USER: ');
		for (;;) {
			const next = await lines.next();
			if (next.done) return pending.length ? pending.splice(0).join('\n') : null;
			exitArmed = false;
			const line = next.value;
			if (line.endsWith('\\')) {
				pending.push(line.slice(0, -1));
				prompt('...   ');
				continue;
			}
			pending.push(line);
			return pending.splice(0).join('\n');
		}
	};

	const answer = async (message: string) => {
		history.push({ role: 'user', content: message });
		const controller = new AbortController();
		answering = controller;
		output.write('ASSISTANT: ');
		let text = '';
		try {
			const request = { messages: history, temperature: options.temperature, max_tokens: options.maxTokens };
			for await (const chunk of engine.chat(request, controller.signal)) {
				const delta = chunk.choices[0]?.delta.content;
				if (delta) {
					output.write(delta);
					text += delta;
				}
			}
			output.write(controller.signal.aborted ? ' [stopped]\n' : '\n');
			history.push({ role: 'assistant', content: text });
		} catch (err) {
			const e = toLumenError(err);
			if (controller.signal.aborted || e.code === 'aborted') {
				output.write(' [stopped]\n');
				history.push({ role: 'assistant', content: text });
			} else {
				output.write('\n');
				errors.write(`error (${e.code}): ${e.message}\n`);
				history.pop(); // the message got no answer: let it be sent again
			}
		} finally {
			answering = null;
		}
	};

	try {
		for (;;) {
			const message = await readMessage();
			if (message === null) break;
			const command = message.trim();
			if (command === '/exit' || command === '/quit') break;
			if (command === '/clear') {
				history = fresh();
				output.write('(conversation cleared)\n');
			} else if (command === '/help') output.write(CHAT_KEYS_HELP.trim() + '\n');
			else if (/^\/\w+$/.test(command)) output.write(`Unknown command ${command}. Try /help.\n`);
			else if (command) await answer(message);
		}
	} finally {
		process.off('SIGINT', interrupt);
		rl.close();
	}
}
