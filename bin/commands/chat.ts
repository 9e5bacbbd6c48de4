// `lumen chat`: a terminal chat with a coordinator's model, or (without --coordinator) with a model
// run in this process by the onnx backend, offline. The loop and its commands are in ../chat/chat-repl.ts.
import { Command } from 'commander';
import { toLumenError } from '#protocol/errors';
import { localEngine, remoteEngine, type ChatEngine } from '../chat/chat-engines';
import { CHAT_KEYS_HELP, runChatRepl } from '../chat/chat-repl';
import { number, positiveInt } from './parse';

export function chatCommand(): Command {
	return new Command('chat')
		.description('Chat in the terminal, streaming answers.')
		.option('--model <id>', 'model id (default: lumen-tiny-a locally, the first listed model on a coordinator)')
		.option('--coordinator <url>', 'chat through this coordinator (omit to run the model here, offline)')
		.option('--api-key <key>', 'API key for the coordinator', process.env.LUMEN_API_KEY)
		.option('--system <prompt>', 'system prompt')
		.option('--temperature <t>', 'sampling temperature (0 = greedy)', number('--temperature', 0, 2))
		.option('--max-tokens <n>', 'longest answer in tokens', positiveInt('--max-tokens'))
		.option('--threads <n>', 'local model: ONNX Runtime threads', positiveInt('--threads'))
		.option('--multiline', 'Enter starts a new line; an empty line sends the message')
		.option('--no-markdown', 'print answers as plain text on a terminal too (they are plain when piped anyway)')
		.addHelpText('after', CHAT_KEYS_HELP)
		.action(async (opts: {
			model?: string;
			coordinator?: string;
			apiKey?: string;
			system?: string;
			temperature?: number;
			maxTokens?: number;
			threads?: number;
			multiline?: boolean;
			markdown: boolean;
		}) => {
			let engine: ChatEngine;
			try {
				if (opts.coordinator) engine = await remoteEngine(opts.coordinator, opts.apiKey, opts.model);
				else {
					process.stderr.write(`Loading ${opts.model ?? 'lumen-tiny-a'} in this process…\n`);
					engine = await localEngine(opts.model ?? 'lumen-tiny-a', opts.threads);
				}
			} catch (err) {
				process.stderr.write(`lumen chat: ${toLumenError(err).message}\n`);
				process.exit(1);
			}
			process.stderr.write(`Chatting with ${engine.model}${opts.coordinator ? ` via ${opts.coordinator}` : ''}. /help lists the commands (/regen /undo /save /load …), /exit quits.\n`);
			const { system, temperature, maxTokens, multiline, markdown } = opts;
			await runChatRepl(engine, { system, temperature, maxTokens, multiline, markdown });
			await engine.close();
			process.exit(0);
		});
}
