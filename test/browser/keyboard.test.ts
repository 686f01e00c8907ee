import type { Browser, Page } from 'playwright-core';
import { describeInBrowser, launchChromium } from '../helpers/browser';
import { caseSteps } from '../helpers/case-steps';
import { startOn } from '../helpers/clock';
import { createProvider, createTeam } from '../helpers/fixtures';
import { keepScreenshot } from '../helpers/page-checks';
import { startTestStack, type TestStack } from '../helpers/stack';
import { signInPage } from '../helpers/web-session';

/**
 * Everything on the case page and the note form can be reached with the keyboard alone: pressing
 * Tab from the top visits every link, button and field once, in the order they stand in the page,
 * each showing where focus is; and the first Tab offers "Skip to main content", which takes focus
 * past the header to the page's own content.
 */

/** Runs in the page: the elements Tab should stop at, in DOM order, each marked with its place. */
const MARK_TAB_STOPS = `(() => {
  const candidates = [...document.querySelectorAll(
    'a[href], button, input, select, textarea, summary, [tabindex]'
  )];
  const stops = [];
  const groupsSeen = new Set();
  for (const el of candidates) {
    if (el.disabled || el.getAttribute('tabindex') === '-1') continue;
    if (el.tagName === 'INPUT' && el.type === 'hidden') continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || el.getClientRects().length === 0) continue;
    if (el.closest('details:not([open])') && el.tagName !== 'SUMMARY') continue;
    // A radio group is one stop: its checked radio, else its first.
    if (el.tagName === 'INPUT' && el.type === 'radio') {
      if (groupsSeen.has(el.name)) continue;
      groupsSeen.add(el.name);
      const group = [...document.querySelectorAll('input[type=radio]')].filter((r) => r.name === el.name);
      const chosen = group.find((r) => r.checked) || group[0];
      chosen.dataset.tabStop = String(stops.length);
      stops.push(chosen);
      continue;
    }
    el.dataset.tabStop = String(stops.length);
    stops.push(el);
  }
  return stops.map((el) => el.tagName.toLowerCase() + ' ' + (el.getAttribute('name') || el.textContent.replace(/\\s+/g, ' ').trim()).slice(0, 50));
})()`;

/**
 * Runs in the page: where focus is, and whether it shows. USWDS draws a radio or check box on its
 * label, so their focus ring is the label's ::before.
 */
const FOCUSED = `(() => {
  const el = document.activeElement;
  if (!el || el === document.body) return { stop: null, indicator: false, what: 'body', segmented: false };
  const drawn = el.matches('.usa-radio__input, .usa-checkbox__input')
    ? getComputedStyle(document.querySelector('label[for="' + el.id + '"]'), '::before')
    : getComputedStyle(el);
  const outline = drawn.outlineStyle !== 'none' && parseFloat(drawn.outlineWidth) > 0;
  const shadow = drawn.boxShadow !== 'none';
  return {
    stop: el.dataset.tabStop === undefined ? null : Number(el.dataset.tabStop),
    indicator: outline || shadow,
    // Chrome's date and time fields take one Tab per part (month, day, year, hour, ...).
    segmented: el.tagName === 'INPUT' && ['date', 'time', 'datetime-local', 'month', 'week'].includes(el.type),
    what: el.tagName.toLowerCase() + ' ' + (el.getAttribute('name') || el.textContent.replace(/\\s+/g, ' ').trim()).slice(0, 50),
  };
})()`;

interface Focused {
  stop: number | null;
  indicator: boolean;
  what: string;
  segmented: boolean;
}

describeInBrowser('the case page and the note form, with the keyboard alone', () => {
  let stack: TestStack;
  let browser: Browser;
  let page: Page;
  let caseId: string;
  beforeAll(async () => {
    [stack, browser] = await Promise.all([startTestStack('keyboard-test'), launchChromium()]);
    await startOn(stack.env, 'Mon', '10:00');
    const team = await createTeam(stack.db.pool);
    const steps = caseSteps(stack.api);
    const opened = await steps.intake(team);
    caseId = opened.caseId;
    const cm = team.caseManager.token;
    await steps.assess(opened.base, cm);
    await steps.approvedPlan(opened.base, team, '2099-01-01');
    const provider = await createProvider(stack.db.pool, 'Acme Housing Trust');
    const referral = await stack.api.call('POST', `${opened.base}/referrals`, cm, {
      providerId: provider.id,
      service: 'Emergency housing',
      reason: 'Eviction notice',
    });
    expect(referral.status).toBe(201);
    const note = await stack.api.call('POST', `${opened.base}/notes`, cm, {
      type: 'contact',
      body: 'Phoned the client.',
    });
    expect(note.status).toBe(201);
    page = await browser.newPage({ viewport: { width: 1024, height: 900 } });
    page.setDefaultTimeout(10_000);
    await signInPage(page, stack, team.caseManager);
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  const focused = (): Promise<Focused> => page.evaluate<Focused>(FOCUSED);

  async function load(path: string): Promise<void> {
    const response = await page.goto(`${stack.api.base}${path}`);
    expect(response?.status()).toBe(200);
    expect(new URL(page.url()).pathname).toBe(path);
  }

  describe.each([
    ['the case page', () => `/cases/${caseId}`],
    ['the note form', () => `/cases/${caseId}/notes/new`],
  ])('%s', (name, pathOf) => {
    it('when Tab is pressed from the top, then focus visits every link, button and field once, in DOM order, each with a visible focus indicator', async () => {
      await load(pathOf());
      const stops = await page.evaluate<string[]>(MARK_TAB_STOPS);
      expect(stops.length).toBeGreaterThan(5);
      // Tab until focus leaves the page (a few presses more than stops, for date fields' parts).
      const visited: Focused[] = [];
      for (let presses = 0; presses < stops.length * 8; presses++) {
        await page.keyboard.press('Tab');
        const now = await focused();
        const last = visited.at(-1);
        if (last && now.segmented && now.stop === last.stop) continue;
        visited.push(now);
        if (now.stop === null) break;
      }
      // Every stop once, in order, and then out of the page: nothing unreachable, nothing extra.
      expect(visited.map((v) => v.stop)).toEqual([...stops.map((_, i) => i), null]);
      expect(visited.filter((v) => v.stop !== null && !v.indicator).map((v) => v.what)).toEqual([]);
    });

    it('when the first Tab is pressed, then it focuses "Skip to main content", visibly, and Enter moves focus to the main content', async () => {
      await load(pathOf());
      await page.keyboard.press('Tab');
      const skip = await focused();
      expect(skip).toMatchObject({ what: 'a Skip to main content', indicator: true });
      // Shown on screen while focused (USWDS keeps it above the top edge otherwise, and slides it in).
      // (Polled from here: the page's CSP rightly refuses waitForFunction's string evaluation.)
      const onScreen = () =>
        page.evaluate<boolean>(
          `(() => { const r = document.querySelector('.usa-skipnav').getBoundingClientRect(); return r.top >= 0 && r.left >= 0 && r.height > 0; })()`,
        );
      for (let i = 0; i < 20 && !(await onScreen()); i++) await new Promise((r) => setTimeout(r, 50));
      expect(await onScreen()).toBe(true);
      await keepScreenshot(page, `keyboard-skip-link-${name.replace(/\s+/g, '-')}`);

      await page.keyboard.press('Enter');
      expect(
        await page.evaluate<string | undefined>('document.activeElement && document.activeElement.id'),
      ).toBe('main-content');
      // The next Tab lands on the first stop inside main, past the header's links.
      const stops = await page.evaluate<string[]>(MARK_TAB_STOPS);
      const firstInMain = await page.evaluate<number>(
        `Number(document.querySelector('main [data-tab-stop]').dataset.tabStop)`,
      );
      await page.keyboard.press('Tab');
      expect((await focused()).stop).toBe(firstInMain);
      expect(firstInMain).toBeGreaterThan(0);
      expect(stops.length).toBeGreaterThan(firstInMain);
    });
  });
});
