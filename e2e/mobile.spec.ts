// A phone: every page at 390×844 in Chromium's mobile emulation (touch, device scale 3, the page's own
// viewport meta) has nothing wider than the screen, folds its navigation behind a menu button, keeps its
// controls at touch size, and on the chat page a message to the tiny model is sent and answered.
import { chromium, type Page } from '@playwright/test';
import { test as base, expect } from './fixtures';
import { CHROMIUM_ARGS, executablePath } from './server';

const PHONE = { width: 390, height: 844 };
const PAGES = ['/', '/arena', '/arena/side-by-side', '/leaderboard', '/models', '/settings', '/embeddings', '/eval', '/serve'];
const TOUCH = 44;

const test = base.extend({
	context: async ({ profileDir }, use) => {
		const context = await chromium.launchPersistentContext(profileDir, {
			executablePath,
			headless: true,
			args: CHROMIUM_ARGS,
			viewport: PHONE,
			isMobile: true,
			hasTouch: true,
			deviceScaleFactor: 3
		});
		await use(context);
		await context.close();
	}
});

type Overflow = { scrollWidth: number; innerWidth: number; culprits: string[] };

/**
 * Measures sideways overflow against the screen's width. With mobile emulation a page wider than the
 * screen makes the browser zoom out, so `innerWidth` grows with it: it must stay the screen's width too.
 * Names the outermost elements that stick out and are not clipped by a scrolling ancestor, so a failure says what to fix.
 */
async function overflow(page: Page, width: number): Promise<Overflow> {
	return page.evaluate((width) => {
		const clipped = (el: Element) => {
			for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
				const style = getComputedStyle(a);
				if (style.overflowX !== 'visible') return true;
				if (style.position === 'fixed') break;
			}
			return false;
		};
		const sticksOut = (el: Element) => {
			const r = el.getBoundingClientRect();
			return r.width > 0 && (r.right > width + 0.5 || r.left < -0.5) && getComputedStyle(el).visibility !== 'hidden';
		};
		const wide = [...document.body.querySelectorAll('*')].filter((el) => sticksOut(el) && !clipped(el));
		const outermost = wide.filter((el) => !wide.includes(el.parentElement!));
		const describe = (el: Element) => {
			const r = el.getBoundingClientRect();
			const classes = [...el.classList].filter((c) => !c.startsWith('svelte-')).join('.');
			const text = (el.textContent ?? '').trim().replace(/\s+/g, ' ').slice(0, 40);
			return `<${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${classes ? '.' + classes : ''}> spans ${Math.round(r.left)}..${Math.round(r.right)} px: "${text}"`;
		};
		return { scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth, culprits: outermost.slice(0, 8).map(describe) };
	}, width);
}

async function expectFits(page: Page, width: number, where: string) {
	const o = await overflow(page, width);
	const message = `${where} at ${width} px: scrollWidth ${o.scrollWidth}, innerWidth ${o.innerWidth}; wider than the screen:\n  ${o.culprits.join('\n  ')}`;
	// Soft: one run lists every page that overflows, not just the first.
	expect.soft(o.culprits.length === 0 && o.innerWidth === width && o.scrollWidth <= o.innerWidth, message).toBe(true);
}

/** Every visible control in `scope` (buttons, selects, inputs, summaries, labels of checkboxes) is at least 44 px high; buttons also 44 px wide. */
async function expectTouchSized(page: Page, where: string, scope = 'body') {
	const small = await page.evaluate(
		({ scope, min }) => {
			const controls = document.querySelectorAll(
				`${scope} button, ${scope} select, ${scope} summary, ${scope} input:not([type=checkbox]):not([type=radio]):not([type=range]):not([type=file]), ${scope} label:has(> input[type=checkbox])`
			);
			return [...controls]
				.filter((el) => (el as HTMLElement).offsetParent !== null || getComputedStyle(el).position === 'fixed')
				.filter((el) => !el.closest('.sr-only') && getComputedStyle(el).visibility !== 'hidden')
				.map((el) => ({ el, r: el.getBoundingClientRect() }))
				.filter(({ el, r }) => r.height < min - 0.5 || (el.tagName === 'BUTTON' && r.width < min - 0.5))
				.map(({ el, r }) => `<${el.tagName.toLowerCase()}> "${(el.textContent || el.getAttribute('aria-label') || '').trim().slice(0, 30)}" ${Math.round(r.width)}×${Math.round(r.height)}`);
		},
		{ scope, min: TOUCH }
	);
	expect.soft(small, `${where}: controls smaller than ${TOUCH} px`).toEqual([]);
}

/** Waits until the page has rendered what it fetches on load (model lists, stored data). */
async function settle(page: Page) {
	await page.waitForLoadState('networkidle');
	await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

/** Opens every disclosure on the page (buttons with aria-expanded=false, <details>), leaving the menu and the drawer alone. */
async function openDisclosures(page: Page) {
	await page.evaluate(() => {
		for (const d of document.querySelectorAll('details')) d.open = true;
		for (const b of document.querySelectorAll<HTMLButtonElement>('button[aria-expanded="false"]')) {
			if (!b.matches('.menu-toggle, .drawer-toggle') && !b.disabled && b.offsetParent !== null) b.click();
		}
	});
	await settle(page);
}

test('every page fits a 390 px phone, with the menu open and every disclosure open; controls are touch-sized', async ({ page, server }) => {
	for (const path of PAGES) {
		await page.goto(`${server.url}${path}?device=wasm`);
		await settle(page);
		await expectFits(page, PHONE.width, path);
		await expectTouchSized(page, path, 'main');

		// The navigation is folded behind one menu button.
		const menu = page.getByRole('button', { name: 'Menu' });
		const nav = page.getByRole('navigation', { name: 'Main' });
		const arenaLink = nav.getByRole('link', { name: 'Arena', exact: true });
		await expect(menu).toHaveAttribute('aria-expanded', 'false');
		await expect(arenaLink).toBeHidden();
		await menu.click();
		await expect(menu).toHaveAttribute('aria-expanded', 'true');
		await expect(arenaLink).toBeVisible();
		await expect(nav).toHaveAttribute('id', (await menu.getAttribute('aria-controls'))!);
		await expectFits(page, PHONE.width, `${path} with the menu open`);
		await expectTouchSized(page, `${path} menu`, 'header');
		for (const box of await nav.getByRole('link').evaluateAll((links) => links.map((a) => a.getBoundingClientRect().height)))
			expect(box, `${path}: a navigation link's height`).toBeGreaterThanOrEqual(TOUCH);
		await page.keyboard.press('Escape');
		await expect(menu).toHaveAttribute('aria-expanded', 'false');
		await expect(arenaLink).toBeHidden();
		await expect(menu).toBeFocused();

		await openDisclosures(page);
		await expectFits(page, PHONE.width, `${path} with its disclosures open`);
	}

	// Following a link from the menu navigates and folds the menu again.
	await page.getByRole('button', { name: 'Menu' }).click();
	await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Models' }).click();
	await expect(page).toHaveURL(/\/models$/);
	await expect(page.getByRole('button', { name: 'Menu' })).toHaveAttribute('aria-expanded', 'false');
	// The models table needs no sideways scrolling on a phone (each model is a card, its cells named by their
	// column), and it is still a table to assistive technology.
	await expect(page.getByRole('table').first()).toBeVisible();
	await expect(page.getByRole('columnheader', { name: 'Model' }).first()).toBeAttached();
	await expect(page.getByRole('row').nth(1)).toBeVisible();
	const tables = await page.getByRole('table').evaluateAll((tables) =>
		tables.map((el) => {
			const r = el.getBoundingClientRect();
			return { scrollWidth: el.scrollWidth, clientWidth: el.clientWidth, left: Math.round(r.left), right: Math.round(r.right) };
		})
	);
	for (const t of tables) {
		expect(t.scrollWidth, `a models table scrolls sideways: ${JSON.stringify(t)}`).toBeLessThanOrEqual(t.clientWidth);
		expect(t.right, 'a models table ends on the screen').toBeLessThanOrEqual(PHONE.width);
		expect(t.left).toBeGreaterThanOrEqual(0);
	}
	const label = await page.locator('td[data-label]').first().evaluate((el) => getComputedStyle(el, '::before').content);
	expect(label, 'a card names each cell by its column').toBe('"Runtime"');
});

test('the open menu holds keyboard focus like the drawer: focus moves in, the page behind is inert, Escape or a tap outside closes it', async ({ page, server }) => {
	await page.goto(`${server.url}/settings?device=wasm`);
	await settle(page);
	const menu = page.getByRole('button', { name: 'Menu' });
	const links = page.getByRole('navigation', { name: 'Main' }).getByRole('link');
	await menu.focus();
	await page.keyboard.press('Enter');
	await expect(menu).toHaveAttribute('aria-expanded', 'true');
	await expect(links.first(), 'opening the menu moves focus to its first link').toBeFocused();
	expect(await page.getByRole('main').evaluate((el) => el.closest('[inert]') !== null), 'the page behind the open menu is inert').toBe(true);
	// Tab and Shift+Tab, however far they go, never reach the page behind the open menu.
	const count = await links.count();
	for (const key of ['Tab', 'Shift+Tab']) {
		for (let i = 0; i < count + 3; i++) {
			await page.keyboard.press(key);
			const focused = await page.evaluate(() => {
				const el = document.activeElement;
				return el?.closest('main') ? `<${el.tagName.toLowerCase()}> "${(el.textContent ?? '').trim().slice(0, 30)}" in the page` : 'outside the page';
			});
			expect(focused, `${key} ×${i + 1} with the menu open`).toBe('outside the page');
		}
	}
	await page.keyboard.press('Escape');
	await expect(menu).toHaveAttribute('aria-expanded', 'false');
	await expect(menu).toBeFocused();
	expect(await page.getByRole('main').evaluate((el) => el.closest('[inert]') === null), 'the page is usable again').toBe(true);

	// A tap on the page behind folds the menu (the page is inert, so the tap does nothing else).
	await menu.tap();
	await expect(menu).toHaveAttribute('aria-expanded', 'true');
	const heading = (await page.getByRole('heading', { level: 1 }).boundingBox())!;
	await page.touchscreen.tap(heading.x + 10, heading.y + heading.height / 2);
	await expect(menu).toHaveAttribute('aria-expanded', 'false');
});

test('the narrowest and widest phones (360 and 430 px) fit too', async ({ page, server }) => {
	for (const width of [360, 430]) {
		await page.setViewportSize({ width, height: PHONE.height });
		for (const path of PAGES) {
			await page.goto(`${server.url}${path}?device=wasm`);
			await settle(page);
			await openDisclosures(page);
			await expectFits(page, width, path);
		}
	}
});

test('on a phone the chat page sends and answers; the conversation list is a drawer; long output wraps or scrolls inside', async ({ page, server }) => {
	await page.goto(`${server.url}/?device=wasm`);
	await settle(page);
	await page.getByLabel('Model', { exact: true }).selectOption('lumen-tiny-a');
	await page.getByRole('button', { name: 'Settings', exact: true }).click();
	await page.getByLabel('Temperature').fill('0');
	await page.getByLabel('Max new tokens').fill('24');
	await expectFits(page, PHONE.width, '/ with the model settings open');
	await expectTouchSized(page, '/ with the model settings open', 'main');

	// The message box and Send stay on the screen.
	const send = page.getByRole('button', { name: 'Send' });
	const box = page.getByRole('textbox', { name: 'Message' });
	for (const control of [send, box]) {
		const r = (await control.boundingBox())!;
		expect(r.x, 'left edge').toBeGreaterThanOrEqual(0);
		expect(r.x + r.width, 'right edge').toBeLessThanOrEqual(PHONE.width);
		expect(r.y + r.height, 'bottom edge').toBeLessThanOrEqual(PHONE.height);
	}
	await box.tap();
	await box.fill('Hello from a phone! https://example.com/a/very/long/address/that/does/not/break/anywhere/on/its/own/at/all');
	await send.tap();
	const answer = page.locator('[data-role="assistant"]').last().locator('.content');
	await expect(page.getByRole('button', { name: 'Stop' })).toBeDisabled({ timeout: 120_000 });
	await expect(answer).not.toBeEmpty();
	expect((await answer.innerText()).trim().length, 'the answer has text').toBeGreaterThan(0);
	await expectFits(page, PHONE.width, '/ after an answer');

	// Output a model may give (a long unbroken word, a long code line, a wide table), rendered by the page's own markdown styles.
	await answer.locator('.markdown').evaluate((el) => {
		const long = 'x'.repeat(300);
		el.insertAdjacentHTML(
			'beforeend',
			`<p>${long}</p><pre><code>const line = "${long}";</code></pre><table><tr>${'<td>column&nbsp;with&nbsp;a&nbsp;long&nbsp;cell</td>'.repeat(8)}</tr></table>`
		);
	});
	await expectFits(page, PHONE.width, '/ with a long word, code line and table in the answer');
	const pre = answer.locator('pre');
	expect(await pre.evaluate((el) => el.scrollWidth > el.clientWidth), 'the code block scrolls inside itself').toBe(true);

	// The conversation list is a drawer: opened by a button, closed by Escape (focus returns), by Close, or by picking a conversation.
	const toggle = page.getByRole('button', { name: 'Conversations' });
	const drawer = page.getByRole('complementary', { name: 'Conversations' });
	await expect(drawer).toBeHidden();
	expect((await toggle.boundingBox())!.height).toBeGreaterThanOrEqual(TOUCH);
	await toggle.tap();
	await expect(toggle).toHaveAttribute('aria-expanded', 'true');
	await expect(drawer).toHaveAttribute('id', (await toggle.getAttribute('aria-controls'))!);
	await expect(drawer).toBeVisible();
	// The drawer covers the page (opaque, on top), it is not see-through.
	expect(await drawer.evaluate((el) => getComputedStyle(el).backgroundColor), "the drawer's background").not.toBe('rgba(0, 0, 0, 0)');
	expect(await drawer.evaluate((el) => el.contains(document.elementFromPoint(el.clientWidth / 2, innerHeight / 2))), 'the drawer is on top').toBe(true);
	await expect(drawer.getByRole('button', { name: 'New chat' })).toBeFocused();
	await expect(page.getByRole('main'), 'the page behind the open drawer is inert').toHaveAttribute('inert', '');
	await expectFits(page, PHONE.width, '/ with the conversation drawer open');
	await expectTouchSized(page, 'the conversation drawer', 'aside');
	await page.keyboard.press('Escape');
	await expect(drawer).toBeHidden();
	await expect(toggle).toHaveAttribute('aria-expanded', 'false');
	await expect(toggle).toBeFocused();

	await toggle.tap();
	await drawer.getByRole('button', { name: 'New chat' }).tap();
	await expect(drawer).toBeHidden();
	await expect(page.locator('[data-role="assistant"]')).toHaveCount(0);
	await toggle.tap();
	await drawer.getByRole('button', { name: /^Hello from a phone/ }).tap();
	await expect(drawer).toBeHidden();
	await expect(page.locator('[data-role="assistant"]')).toHaveCount(1);
	await toggle.tap();
	await drawer.getByRole('button', { name: 'Close' }).tap();
	await expect(drawer).toBeHidden();

	// Widening the window past the phone layout (its toggle gone) closes the drawer, so the page is not left inert.
	await toggle.tap();
	await expect(page.getByRole('main')).toHaveAttribute('inert', '');
	await page.setViewportSize({ width: 1024, height: PHONE.height });
	await expect(page.getByRole('main'), 'the chat page after widening with the drawer open').not.toHaveAttribute('inert');
	await expect(page.getByRole('textbox', { name: 'Message' })).toBeEditable();
});
