// The interface in Simplified Chinese: a browser whose language is zh-CN gets Chinese pages, <html lang>,
// Chinese accessible names, and a chat that streams; switching to English in Settings outlasts a reload.
import type { Page } from '@playwright/test';
import { test, expect, watchStreamedLengths } from './fixtures';

test.use({ locale: 'zh-CN' });

const MODEL = 'lumen-tiny-a';
const lang = (page: Page) => page.evaluate(() => document.documentElement.lang);
const assistant = (page: Page) => page.locator('[data-role="assistant"]');

test('a zh-CN browser gets the Chinese interface, chats in it, and English chosen in Settings persists', async ({ page, server }) => {
	await page.goto(`${server.url}/?device=wasm`);
	expect(await page.evaluate(() => navigator.languages)).toContain('zh-CN');
	await expect.poll(() => lang(page)).toBe('zh-CN');

	// Chat page: navigation, empty state and controls in Chinese, found by their Chinese accessible names.
	const nav = page.getByRole('navigation', { name: '主导航' });
	await expect(nav.getByRole('link', { name: '聊天', exact: true })).toHaveAttribute('aria-current', 'page');
	await expect(nav.getByRole('link', { name: '排行榜' })).toBeVisible();
	await expect(page.getByText('选一个模型，说点什么吧。')).toBeVisible();
	await expect(page.getByRole('complementary', { name: '对话列表' }).getByRole('button', { name: '新对话' })).toBeVisible();
	await page.getByLabel('模型', { exact: true }).selectOption(MODEL);
	await page.getByRole('button', { name: '参数设置' }).click();
	await page.getByLabel('最大新词元数').fill('40');
	const box = page.getByRole('textbox', { name: '消息' });
	await expect(box).toHaveAttribute('placeholder', '输入消息（Enter 发送，Shift+Enter 换行）');
	const send = page.getByRole('button', { name: '发送' });
	await expect(send).toBeDisabled();

	// A message sent from there streams an answer: its text is seen growing.
	const streamed = await watchStreamedLengths(page);
	await box.fill('你好，讲个故事吧。');
	await send.click();
	const stop = page.getByRole('button', { name: '停止' });
	await expect(stop).toBeEnabled({ timeout: 120_000 });
	await expect(stop).toBeDisabled({ timeout: 120_000 });
	const lengths = await streamed();
	expect(lengths.length, `distinct text lengths seen while streaming: ${lengths.join(',')}`).toBeGreaterThanOrEqual(3);
	await expect(page.getByTestId('model-ready')).toHaveText('就绪');
	await expect(assistant(page).last().getByTestId('stats')).toContainText(/\d+ 个词元/);
	await expect(page.locator('[data-role="user"] .who')).toHaveText('你');
	await expect(page.getByRole('button', { name: '重新生成' })).toBeEnabled();

	// An error in Chinese, numbers included: a prompt longer than the model's context (2048 tokens) is refused
	// by the model's worker, and the page says so in Chinese only (no English detail is needed).
	await box.fill('今天天气很好，我们去公园散步吧。'.repeat(300));
	await send.click();
	const alert = page.getByRole('alert');
	await expect(alert).toHaveAttribute('data-code', 'context_length_exceeded', { timeout: 60_000 });
	await expect(alert).toHaveText(/^该模型的最大上下文长度为 2048 个词元，但这段提示(至少)?占用了 \d+ 个词元。请缩短消息或删除最早的轮次，然后重试。$/);
	expect(Number((await alert.textContent())?.match(/占用了 (\d+) 个词元/)?.[1])).toBeGreaterThan(2048);
	await expect(alert.locator('[lang="en"]')).toHaveCount(0);

	// Arena and leaderboard in Chinese too.
	await nav.getByRole('link', { name: '竞技场' }).click();
	await expect(page.getByRole('heading', { name: '竞技场', level: 1 })).toBeVisible();
	await expect(page.getByText('两个匿名模型回答同一条消息。')).toBeVisible();
	for (const label of ['模型 A', '模型 B']) await expect(page.getByRole('region', { name: label, exact: true })).toBeVisible();
	const votes = page.getByRole('group', { name: '投票' });
	await expect(votes.getByRole('button')).toHaveText(['A 更好', 'B 更好', '平局', '都不好']);
	await expect(page.getByRole('button', { name: '新一轮' })).toBeVisible();
	await expect(page.getByRole('textbox', { name: '消息' })).toBeVisible();
	await nav.getByRole('link', { name: '排行榜' }).click();
	await expect(page.getByRole('heading', { name: '排行榜', level: 1 })).toBeVisible();
	await expect(page.getByText('还没有投票。去竞技场投票，或导入对战文件。')).toBeVisible();
	await expect(page.getByRole('button', { name: '导出对战' })).toBeVisible();
	await expect(page.getByLabel('导入对战')).toBeAttached();
	expect(await lang(page)).toBe('zh-CN');

	// Settings: switch to English; it applies at once and survives a reload.
	await nav.getByRole('link', { name: '设置' }).click();
	await expect(page.getByRole('heading', { name: '设置', level: 1 })).toBeVisible();
	await page.getByLabel('界面语言').selectOption('en');
	await expect(page.getByRole('heading', { name: 'Settings', level: 1 })).toBeVisible();
	await expect.poll(() => lang(page)).toBe('en');
	await page.reload();
	await expect(page.getByRole('heading', { name: 'Settings', level: 1 })).toBeVisible();
	await expect.poll(() => lang(page)).toBe('en');
	await expect(page.getByLabel('Interface language')).toHaveValue('en');
	await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Chat', exact: true }).click();
	await expect(page.getByRole('textbox', { name: 'Message' })).toBeVisible();
	await expect(page.getByRole('button', { name: 'Send' })).toBeVisible();
});

test('zh-CN: an error with no Chinese text of its own shows its headline, then the English detail marked lang="en"', async ({ page, server }) => {
	// A served model whose server fails with a message of its own (scripted: a narrow fake of the coordinator's HTTP answers).
	await page.route(`${server.url}/v1/models`, (route) =>
		route.fulfill({ json: { object: 'list', data: [{ id: 'flaky-model', object: 'model', created: 0, owned_by: 'test' }] } })
	);
	await page.route(`${server.url}/v1/chat/completions`, (route) =>
		route.fulfill({ status: 500, json: { error: { message: 'The GPU node fell over.', type: 'server_error', param: null, code: null } } })
	);
	await page.goto(`${server.url}/settings`);
	await page.getByLabel('协调器地址').fill(server.url);
	await page.getByRole('button', { name: '保存' }).click();
	await expect(page.getByRole('status').filter({ hasText: '已保存' })).toBeVisible();
	await page.goto(`${server.url}/`);
	await page.getByLabel('模型', { exact: true }).selectOption('flaky-model');
	await page.getByRole('textbox', { name: '消息' }).fill('你好');
	await page.getByRole('button', { name: '发送' }).click();
	const alert = page.getByRole('alert');
	await expect(alert).toHaveAttribute('data-code', 'internal');
	await expect(alert).toContainText('应用或服务器内部出错。请重试；如果问题持续出现，请刷新页面。');
	const detail = alert.locator('[lang="en"]');
	await expect(detail).toHaveText('The GPU node fell over.');
	await expect(alert).toContainText('详细信息（英文）：');
});
