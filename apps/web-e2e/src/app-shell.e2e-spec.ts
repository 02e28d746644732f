import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  apiSignUp,
  fillNewRoom,
  focused,
  launchChromium,
  message,
  openPerson,
  PASSWORD,
  SCREENSHOTS,
  send,
  shoot,
  shown,
  showsText,
  type Person,
  UI_TIMEOUT,
} from './browser';
import { EDGE, LocalStack } from './local-stack';
import { RestUser } from './rest-user';

/**
 * The app around the chat: rooms in the URL with Back and Forward, a login kept in the
 * browser's storage, system notifications and the unread total in the tab title, the
 * admin page's refusal, and axe-core's accessibility check on the main screens, light and
 * dark (with the screenshots of both).
 */

/**
 * Put in every page of a context before the app's scripts: records each notification the
 * app makes and each time it asks for the permission, then lets the browser do both.
 */
const RECORD_NOTIFICATIONS = `
  window.__shown = [];
  window.__asked = 0;
  const Real = window.Notification;
  window.Notification = class extends Real {
    constructor(title, options) {
      window.__shown.push({ title, body: options && options.body });
      super(title, options);
    }
    static requestPermission(...args) {
      window.__asked += 1;
      return Real.requestPermission(...args);
    }
  };
`;

interface Shown {
  readonly title: string;
  readonly body: string;
}

const notificationsOf = (page: Page) => page.evaluate<Shown[]>('window.__shown');
const timesAsked = (page: Page) => page.evaluate<number>('window.__asked');

const AXE_SOURCE = readFileSync(require.resolve('axe-core'), 'utf8');

/** axe-core's serious and critical violations on the page as it is: `rule: element, …`. */
async function accessibilityProblems(page: Page): Promise<string[]> {
  // Evaluated rather than added as a <script>: the edge's Content-Security-Policy refuses
  // inline scripts, as it should, and the page is checked with its real headers.
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate<
    { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[]
  >('axe.run(document, { resultTypes: ["violations"] }).then((result) => result.violations)');
  return violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map(
      (violation) =>
        `${violation.id} (${violation.help}): ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`,
    );
}

/**
 * Logs `username` in on `page` (at the login form or a room's URL). Each browser context
 * gets a login of its own: two contexts sharing one stored refresh token would present
 * it twice, which the server takes for theft and revokes the login (API.md).
 */
async function logIn(page: Page, username: string): Promise<void> {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await shown(page.getByRole('button', { name: '+ New room' }));
}

async function createRoom(owner: Person, name: string, member: Person): Promise<string> {
  const { page } = owner;
  await page.getByRole('button', { name: '+ New room' }).click();
  const dialog = await fillNewRoom(page, name, member);
  await dialog.getByRole('button', { name: 'Create room' }).click();
  await shown(page.getByRole('heading', { name }));
  const id = /^#\/rooms\/([0-9a-f-]{36})$/.exec(new URL(page.url()).hash)?.[1];
  if (id === undefined) throw new Error(`no room in the URL ${page.url()}`);
  return id;
}

const roomItem = (page: Page, name: string) => page.locator(`[data-room-name="${name}"]`);
const hashOf = (page: Page) => new URL(page.url()).hash;

describe('the web app shell: URLs, staying signed in, notifications, accessibility', () => {
  let stack: LocalStack;
  let browser: Browser;
  const suffix = randomUUID().slice(0, 6);
  const design = `Design ${suffix}`;
  const lunch = `Lunch 점심 ${suffix}`;
  let designId = '';
  let lunchId = '';
  let ann: Person;
  let ben: Person;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    stack = await LocalStack.start();
    browser = await launchChromium();
    // Ann allowed notifications in her browser; Ben has not been asked yet.
    ann = await openPerson(browser, `ann_${suffix}`, 'Ann Lee 이안', 1, {
      width: 1280,
      height: 800,
    });
    ben = await openPerson(browser, `ben_${suffix}`, 'Ben 벤', 2, { width: 390, height: 780 });
    await ann.page.context().grantPermissions(['notifications'], { origin: EDGE });
    for (const person of [ann, ben]) {
      await person.page.context().addInitScript(RECORD_NOTIFICATIONS);
      await apiSignUp(person.username, person.displayName);
      await person.page.goto(`${EDGE}/?gatewayPort=${person.gatewayPort}`);
      await logIn(person.page, person.username);
    }
    designId = await createRoom(ann, design, ben);
    lunchId = await createRoom(ann, lunch, ben);
  }, 200_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  }, 60_000);

  it('puts the open room in the URL; Back goes to the list, Forward to the room, a reload keeps it', async () => {
    const { page } = ann;
    await roomItem(page, design).click();
    await shown(page.getByRole('heading', { name: design }));
    expect(hashOf(page)).toBe(`#/rooms/${designId}`);
    // Switching rooms replaces the entry: Back goes to the list, not through every room.
    await roomItem(page, lunch).click();
    await shown(page.getByRole('heading', { name: lunch }));
    expect(hashOf(page)).toBe(`#/rooms/${lunchId}`);

    await page.goBack();
    await page.getByRole('heading', { name: lunch }).waitFor({ state: 'detached' });
    expect(['', '#/']).toContain(hashOf(page));
    expect(page.url().startsWith(EDGE)).toBe(true);
    await page.goForward();
    await shown(page.getByRole('heading', { name: lunch }));
    expect(hashOf(page)).toBe(`#/rooms/${lunchId}`);

    await page.reload();
    await shown(page.getByRole('heading', { name: lunch }));
    expect(hashOf(page)).toBe(`#/rooms/${lunchId}`);
  }, 60_000);

  it("on a phone, the browser's Back from a room shows the rooms and stays in the app", async () => {
    const { page } = ben;
    await roomItem(page, design).click();
    await shown(page.getByRole('heading', { name: design }));
    // The list the keyboard was in is gone: it lands on the room's title, not on a text
    // field (which would raise the phone's keyboard), and back on the room it came from.
    await focused(page.getByRole('heading', { name: design }));
    await page.goBack();
    await shown(roomItem(page, design));
    await focused(roomItem(page, design));
    expect(page.url().startsWith(EDGE)).toBe(true);
    expect(await page.getByRole('heading', { name: design }).isVisible()).toBe(false);
  }, 30_000);

  it('a login kept in the stored state opens a new browser context signed in, at the room of its URL', async () => {
    const first = await browser.newContext();
    const page = await first.newPage();
    await page.goto(`${EDGE}/`);
    await logIn(page, ann.username);
    // The login form that had the focus is gone: the keyboard starts at the first room.
    await focused(page.getByTestId('room-list').getByRole('button').first());
    // A browser restart: what it keeps on disk, in a new context.
    const kept = await first.storageState();
    await first.close();
    const context = await browser.newContext({ storageState: kept });
    try {
      const again = await context.newPage();
      await again.goto(`${EDGE}/#/rooms/${designId}`);
      await shown(again.getByRole('heading', { name: design }));
      expect(await again.getByLabel('Username').count()).toBe(0);
      // A page load in a room starts the keyboard in its message box.
      await focused(again.getByLabel('Message', { exact: true }));
    } finally {
      await context.close();
    }
  }, 30_000);

  it('notifies of a message in a room not looked at (not of one in the open room), with the unread total in the title', async () => {
    const { page } = ann;
    await roomItem(page, design).click();
    await shown(page.getByRole('heading', { name: design }));
    await page.waitForFunction(() => document.title === 'scale-chat');
    const before = (await notificationsOf(page)).length;

    // Ben writes in the open room (no notification), then in the other room (one).
    await roomItem(ben.page, design).click();
    await send(ben.page, 'in the open room');
    await shown(message(page, 'in the open room'));
    await ben.page.goBack();
    await roomItem(ben.page, lunch).click();
    await send(ben.page, 'pizza at noon?');
    await showsText(roomItem(page, lunch).getByTestId('unread'), '1 unread');
    await page.waitForFunction(() => document.title === '(1) scale-chat', undefined, {
      timeout: UI_TIMEOUT,
    });
    expect((await notificationsOf(page)).slice(before)).toEqual([
      { title: lunch, body: `${ben.displayName}: pizza at noon?` },
    ]);

    // Read: the total leaves the title.
    await roomItem(page, lunch).click();
    await shown(message(page, 'pizza at noon?'));
    await page.waitForFunction(() => document.title === 'scale-chat', undefined, {
      timeout: UI_TIMEOUT,
    });
  }, 60_000);

  it('asks for the permission at the first send, not on load, and only once', async () => {
    // Ben's page has loaded and shown rooms without asking; his sends above asked once.
    expect(await timesAsked(ben.page)).toBe(1);
    await ben.page.reload();
    await shown(ben.page.getByRole('heading', { name: lunch }));
    await send(ben.page, 'one more');
    await shown(message(ann.page, 'one more'));
    expect(await timesAsked(ben.page)).toBe(0);
  }, 30_000);

  it('hides the admin link from a member, and the refused statistics page stops asking', async () => {
    expect(await ann.page.getByRole('link', { name: 'Admin statistics' }).count()).toBe(0);
    const context = await browser.newContext();
    try {
      const admin = await context.newPage();
      await admin.clock.install();
      const asked: string[] = [];
      admin.on('request', (request) => asked.push(new URL(request.url()).pathname));
      await admin.goto(`${EDGE}/#/admin`);
      await admin.getByLabel('Username').fill(ann.username);
      await admin.getByLabel('Password').fill(PASSWORD);
      await admin.getByRole('button', { name: 'Log in' }).click();
      expect(await shown(admin.getByTestId('stats-error'))).toContain('Only administrators');
      // A minute later (the page refreshed every 15 s before it was refused) it has not
      // asked again; a request made after the clock moved marks when that would have shown.
      await admin.clock.fastForward('01:00');
      await admin.evaluate(() => fetch('/health/auth').then((response) => response.status));
      expect(asked.filter((path) => path === '/api/stats/summary')).toHaveLength(1);
    } finally {
      await context.close();
    }
  }, 30_000);

  it('transfers under 150 KB (gzipped by the edge) on a first load', async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const sizes: Promise<number>[] = [];
      page.on('requestfinished', (request) => {
        if (request.url().startsWith(EDGE))
          sizes.push(request.sizes().then((size) => size.responseBodySize));
      });
      await page.goto(`${EDGE}/`, { waitUntil: 'networkidle' });
      await shown(page.getByLabel('Username'));
      const total = (await Promise.all(sizes)).reduce((sum, size) => sum + size, 0);
      // The script alone is about 300 KB before compression: this counts what went over the wire.
      expect(total).toBeGreaterThan(50_000);
      expect(total).toBeLessThan(150_000);
    } finally {
      await context.close();
    }
  }, 30_000);

  let lunchShowsV11 = false;

  /**
   * v1.1 in the screenshots: both react to Ben's lunch question, and he answers it with a
   * reply that mentions Ann, then edits the answer. Once, for both schemes.
   */
  async function showV11InLunch(): Promise<string> {
    const answer = `@${ann.username} or noodles at 12:30? 🍜`;
    if (lunchShowsV11) return answer;
    lunchShowsV11 = true;
    const annRest = RestUser.of(ann.username);
    const benRest = RestUser.of(ben.username);
    const { items } = await annRest.call<{ items: { seq: number; body: string }[] }>(
      'GET',
      `/api/rooms/${lunchId}/messages`,
    );
    const question = items.find((item) => item.body === 'pizza at noon?');
    if (question === undefined) throw new Error('the lunch room has no "pizza at noon?"');
    const reactions = `/api/rooms/${lunchId}/messages/${question.seq}/reactions`;
    await annRest.call('PUT', `${reactions}/${encodeURIComponent('🍕')}`);
    await benRest.call('PUT', `${reactions}/${encodeURIComponent('👍')}`);
    const reply = await benRest.call<{ seq: number }>('POST', `/api/rooms/${lunchId}/messages`, {
      clientMsgId: randomUUID(),
      body: `@${ann.username} or noodles at 12:30?`,
      replyToSeq: question.seq,
    });
    await benRest.call('PATCH', `/api/rooms/${lunchId}/messages/${reply.seq}`, { body: answer });
    return answer;
  }

  describe.each(['light', 'dark'] as const)('in the %s scheme', (scheme) => {
    let contexts: BrowserContext[] = [];

    afterEach(async () => {
      await Promise.all(contexts.map((context) => context.close()));
      contexts = [];
    });

    async function pageAt(width: number, height: number, signedIn: boolean): Promise<Page> {
      const phone = width < 600;
      const context = await browser.newContext({
        viewport: { width, height },
        isMobile: phone,
        hasTouch: phone,
        colorScheme: scheme,
      });
      contexts.push(context);
      const page = await context.newPage();
      await page.goto(`${EDGE}/`);
      if (signedIn) await logIn(page, ann.username);
      return page;
    }

    it('the login screen has no serious or critical accessibility violation', async () => {
      const page = await pageAt(1280, 800, false);
      await shown(page.getByLabel('Username'));
      expect(await accessibilityProblems(page)).toEqual([]);
    }, 30_000);

    it('the chat with a room open, on a desktop and on a phone, has none either', async () => {
      const answer = await showV11InLunch();
      for (const [width, height, device] of [
        [1280, 800, 'desktop'],
        [390, 844, 'phone'],
      ] as const) {
        const page = await pageAt(width, height, true);
        await roomItem(page, lunch).click();
        await shown(message(page, 'pizza at noon?'));
        await shown(message(page, answer));
        await page.getByTestId('connection-banner').waitFor({ state: 'hidden' });
        expect(await accessibilityProblems(page)).toEqual([]);
        await shoot(page, `app-${device}-${scheme}`);
        if (device === 'phone') {
          await page.goBack();
          await shown(roomItem(page, design));
          expect(await accessibilityProblems(page)).toEqual([]);
          await shoot(page, `rooms-phone-${scheme}`);
        }
      }
    }, 120_000);
  });
});
