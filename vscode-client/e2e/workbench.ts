/** Driving the code-server workbench from Playwright: commands, files, panels, screenshots. */
import * as path from 'node:path';

import type { Locator, Page } from 'playwright-core';

export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new Error(`${name} is not set: run this test through e2e/run-e2e.sh`);
  }
  return value;
}

/** Monaco renders spaces as no-break spaces; compare text with plain ones. */
export function plainText(text: string | null): string {
  return (text ?? '').replace(/\u00a0/g, ' ');
}

/** Run a command by its palette label, e.g. `rulescope: Show output`. */
export async function runCommand(page: Page, label: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(`>${label}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: label }).first().waitFor();
  await page.keyboard.press('Enter');
}

/** Open a workspace file by name through quick open, and wait for its tab. */
export async function openFile(page: Page, name: string): Promise<void> {
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(name);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor();
  await page.keyboard.press('Enter');
  await page.locator('.tab.active', { hasText: name }).waitFor();
}

/** Put the cursor at a 1-based line and column of the active editor. */
export async function goTo(page: Page, line: number, column: number): Promise<void> {
  await page.keyboard.press('Control+G');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(`:${line}:${column}`);
  await page.keyboard.press('Enter');
  await input.waitFor({ state: 'hidden' });
}

/** Wait until `locator`'s text satisfies `accept`; returns the last text seen either way. */
export async function waitForText(
  locator: Locator,
  accept: (text: string) => boolean,
  timeoutMs: number,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let text = '';
  while (Date.now() < deadline) {
    const texts = await locator.allInnerTexts();
    text = plainText(texts.join('\n'));
    if (accept(text)) {
      return text;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return text;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(requiredEnv('E2E_ARTIFACTS'), `${name}.png`) });
}

/** The filter box of the panel view in front (Output, Problems). */
const PANEL_FILTER = '.part.panel .viewpane-filter input:visible';

export async function clearPanelFilter(page: Page): Promise<void> {
  await page.locator(PANEL_FILTER).fill('');
}

/** The Output panel's lines that contain `filter` (the panel's own filter box), once shown. */
export async function filteredOutput(page: Page, filter: string): Promise<string> {
  await page.locator(PANEL_FILTER).fill(filter);
  const lines = page.locator('.part.panel .monaco-editor .view-lines');
  return waitForText(lines, (text) => text.includes(filter), 30_000);
}
