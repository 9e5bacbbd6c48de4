// `lumen models`: the models a coordinator serves, or (without --coordinator) the app's catalog,
// marking which ones run offline from static/models.
import { Command } from 'commander';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { messageText } from '#i18n/format';
import { toLumenError } from '#protocol/errors';
import { DEFAULT_MODELS_DIR } from '../../workers/native/onnx-backend';
import { readCatalog } from '../catalog';
import { listRemoteModels } from '../chat/chat-engines';

export function modelsCommand(): Command {
	return new Command('models')
		.description('List the models of a coordinator, or of the local catalog.')
		.option('--coordinator <url>', 'ask this coordinator (omit for the local catalog)')
		.option('--api-key <key>', 'API key for the coordinator', process.env.LUMEN_API_KEY)
		.option('--json', 'print JSON')
		.action(async (opts: { coordinator?: string; apiKey?: string; json?: boolean }) => {
			if (opts.coordinator) {
				try {
					const ids = await listRemoteModels(opts.coordinator, opts.apiKey);
					console.log(opts.json ? JSON.stringify(ids) : ids.length ? ids.join('\n') : '(no models: no worker is registered)');
				} catch (err) {
					console.error(`lumen models: ${toLumenError(err).message}`);
					process.exitCode = 1;
				}
				return;
			}
			const rows = readCatalog().map((m) => ({
				id: m.id,
				source: m.source.host === 'local' ? 'local test model' : m.source.repo,
				size: `${((m.sizes[m.defaultDtype] ?? 0) / 1e6).toFixed(0)} MB ${m.defaultDtype}`,
				context: m.contextLength,
				offline: m.source.host === 'local' && existsSync(join(DEFAULT_MODELS_DIR, m.id, 'config.json')),
				// English, from the same message file the app's English page reads (src/lib/i18n/messages/en.json).
				description: messageText(m.description)
			}));
			if (opts.json) return console.log(JSON.stringify(rows, null, 2));
			const widths = [Math.max(...rows.map((r) => r.id.length)), Math.max(...rows.map((r) => r.source.length)), 12];
			for (const r of rows)
				console.log(`${r.id.padEnd(widths[0])}  ${r.source.padEnd(widths[1])}  ${r.size.padStart(widths[2])}  ctx ${String(r.context).padEnd(6)}${r.offline ? '  runs offline' : ''}`);
		});
}
