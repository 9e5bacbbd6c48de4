// The chat page's Chat template setting for real: the Transformers.js worker in Chromium formats the chat
// with the chosen registry template, so its greedy answer equals Node's with that template, token for token.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Page } from '@playwright/test';
import { test, expect } from './fixtures';
import { greedyGenerateNode } from '../scripts/model-builder/node-generate';

const MODEL = 'lumen-tiny-a';
const SYSTEM = 'You are a helpful assistant.';
const MAX_TOKENS = 24;
const registry = JSON.parse(readFileSync(resolve('src/lib/templates/chat-templates.json'), 'utf8')) as { templates: { name: string; template: string }[] };
const vicuna = registry.templates.find((t) => t.name === 'vicuna')!.template;

const assistant = (page: Page) => page.locator('[data-role="assistant"]');
const lastRaw = (page: Page) => assistant(page).last().evaluate((el) => (el as HTMLElement).dataset.raw ?? '');
const idle = (page: Page) => expect(page.getByRole('button', { name: 'Stop' })).toBeDisabled({ timeout: 120_000 });

test('a chat template picked in Settings formats the prompt in the browser worker, exactly as in Node', async ({ page, server }) => {
	await page.goto(`${server.url}/?device=wasm`);
	await page.getByLabel('Model', { exact: true }).selectOption(MODEL);
	await page.getByRole('button', { name: 'Settings' }).click();
	await page.getByLabel('Temperature').fill('0');
	await page.getByLabel('Max new tokens').fill(String(MAX_TOKENS));
	const select = page.getByLabel('Chat template');
	await expect(select).toHaveValue('');
	await expect(select.locator('option')).toHaveText(['Automatic', ...registry.templates.map((t) => t.name)]);
	await select.selectOption('vicuna');

	await page.getByRole('textbox', { name: 'Message' }).fill('Hello! Tell me a story.');
	await page.getByRole('button', { name: 'Send' }).click();
	await expect(page.getByTestId('model-ready')).toBeVisible({ timeout: 120_000 });
	await idle(page);
	const messages = [
		{ role: 'system', content: SYSTEM },
		{ role: 'user', content: 'Hello! Tell me a story.' }
	];
	const modelDir = resolve('static/models');
	const withVicuna = await greedyGenerateNode({ modelDir, modelId: MODEL, messages, maxNewTokens: MAX_TOKENS, chatTemplate: vicuna });
	expect(await lastRaw(page)).toBe(withVicuna.text);

	// Back to Automatic: the model's own ChatML template, so another prompt and (greedy) another answer.
	await select.selectOption('');
	await page.getByRole('button', { name: 'Regenerate' }).click();
	await idle(page);
	const ownTemplate = await greedyGenerateNode({ modelDir, modelId: MODEL, messages, maxNewTokens: MAX_TOKENS });
	expect(ownTemplate.text).not.toBe(withVicuna.text);
	expect(await lastRaw(page)).toBe(ownTemplate.text);
});
