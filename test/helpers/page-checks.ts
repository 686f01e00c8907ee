import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';

const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'];
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/**
 * axe-core on the page as it stands, with WCAG 2.2 A and AA and best practices. Returns the
 * violations in a form that reads well in a failed expectation.
 */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  // Evaluated, not added as a <script>: the pages' CSP (rightly) refuses inline scripts.
  await page.evaluate(AXE_SOURCE);
  // Evaluated as a string: the test code is compiled without the DOM's types.
  const result = await page.evaluate(
    `axe.run(document, { runOnly: { type: 'tag', values: ${JSON.stringify(AXE_TAGS)} } })`,
  );
  const violations = (
    result as {
      violations: { id: string; impact: string | null; help: string; nodes: { target: unknown }[] }[];
    }
  ).violations;
  return violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.map((n) => JSON.stringify(n.target)),
  }));
}

/** How much wider than the viewport the page is (0 when nothing scrolls sideways). */
export async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
}

/** Keeps a screenshot as a test artifact (test-artifacts/screenshots/<name>.png). */
export async function keepScreenshot(page: Page, name: string): Promise<string> {
  const dir = path.join(process.cwd(), 'test-artifacts', 'screenshots');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** The elements that stick out past the viewport's right edge (tag, class, text), for a failure message. */
export async function overflowingElements(page: Page): Promise<string[]> {
  return page.evaluate<string[]>(`[...document.querySelectorAll('body *')]
    .filter((el) => el.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
    .slice(0, 10)
    .map((el) => el.tagName + '.' + el.className + ' ' + (el.textContent || '').trim().slice(0, 40))`);
}

/**
 * In this window: no axe violations at 1280 px, nothing sticking out at 320 px, a screenshot at each
 * width (`<name>.png`, `<name>-320px.png`); the window is back at 1280 px afterwards.
 */
export async function checkAtBothWidths(page: Page, name: string): Promise<void> {
  expect({ page: name, violations: await axeViolations(page) }).toEqual({ page: name, violations: [] });
  await keepScreenshot(page, name);
  await page.setViewportSize({ width: 320, height: 720 });
  expect({
    page: name,
    overflow: await horizontalOverflow(page),
    sticksOut: await overflowingElements(page),
  }).toEqual({ page: name, overflow: 0, sticksOut: [] });
  await keepScreenshot(page, `${name}-320px`);
  await page.setViewportSize({ width: 1280, height: 900 });
}

/**
 * Accessible and readable at 1280 and 320 px: no axe violations, nothing scrolls sideways, a
 * screenshot of each. The pages run no script of their own; axe needs one, so it runs in a second
 * window (scripts on, the CSP bypassed for axe alone) signed in as the same person, on the same address.
 */
export async function checkInSecondWindow(
  browser: Browser,
  url: string,
  signIn: (page: Page) => Promise<void>,
  name: string,
): Promise<void> {
  const context = await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 } });
  const audit = await context.newPage();
  await signIn(audit);
  await audit.goto(url);
  expect(await axeViolations(audit)).toEqual([]);
  await keepScreenshot(audit, name);
  await audit.setViewportSize({ width: 320, height: 800 });
  const overflow = await horizontalOverflow(audit);
  if (overflow !== 0) console.log(await overflowingElements(audit));
  expect(overflow).toBe(0);
  expect(await axeViolations(audit)).toEqual([]);
  await keepScreenshot(audit, `${name}-320`);
  await context.close();
}
