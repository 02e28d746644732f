import { randomUUID } from 'node:crypto';
import type { Browser, Locator, Page } from 'playwright-core';
import {
  launchChromium,
  message,
  openPerson,
  readToEndThenScrollTo,
  PASSWORD,
  room,
  send,
  shown,
  UI_TIMEOUT,
  type Person,
} from './browser';
import { EDGE, LocalStack } from './local-stack';
import { logIn, RestUser } from './rest-user';

/** Whether two boxes on the screen share any point. */
function overlaps(
  a: { x: number; y: number; width: number; height: number },
  b: { x: number; y: number; width: number; height: number },
): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

async function boxOf(locator: Locator) {
  const box = await locator.boundingBox();
  if (box === null) throw new Error(`${locator.toString()} is not shown`);
  return box;
}

/** How far the message list is from its end (px). */
function fromEnd(page: Page): Promise<number> {
  return page
    .getByTestId('messages')
    .evaluate((list) => list.scrollHeight - list.clientHeight - list.scrollTop);
}

/**
 * What a notice leaves usable while it shows, and what one user leaves behind in a tab for
 * the next to log in there.
 */
describe('the web app: notices over the chat, and a tab handed to another user', () => {
  let stack: LocalStack;
  let browser: Browser;
  const suffix = randomUUID().slice(0, 6);
  let ann: Person;
  let annRest: RestUser;
  let annId = '';
  let benRest: RestUser;
  const ben = { username: `ben_${suffix}`, id: '' };

  beforeAll(async () => {
    stack = await LocalStack.start();
    browser = await launchChromium();
    ann = await openPerson(browser, `ann_${suffix}`, 'Ann Tab', 1, { width: 1280, height: 800 });
    annRest = await RestUser.signUp(ann.username, ann.displayName);
    annId = await annRest.userId();
    benRest = await RestUser.signUp(ben.username, 'Ben Tab');
    ben.id = await benRest.userId();
    await logIn(ann);
  }, 200_000);

  /** A room of Ann's with Ben, where `speaker` said `count` lines, `line(1)` first. */
  async function roomOfLines(
    name: string,
    speaker: RestUser,
    count: number,
    line: (n: number) => string,
  ): Promise<string> {
    const roomId = await annRest.createRoom(name, [ben.id]);
    await speaker.say(roomId, ...Array.from({ length: count }, (_, n) => line(n + 1)));
    return roomId;
  }

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  }, 120_000);

  it('a notice covers neither the message box nor Send, on a desktop or a phone, and is an alert', async () => {
    const page = ann.page;
    const open = `notice ${suffix}`;
    // A long name: the notice wraps on a phone.
    const left = `left ${suffix}, a room whose name makes the notice wrap on a phone`;
    const roomId = await annRest.createRoom(open, [ben.id]);
    const leftId = await annRest.createRoom(left, [ben.id]);
    await page.goto(`${EDGE}/#/rooms/${roomId}`);
    const composer = page.getByLabel('Message', { exact: true });
    const sendButton = page.getByRole('button', { name: 'Send', exact: true });
    await shown(composer);
    await shown(room(page, left));

    // Ann leaves the other room elsewhere (another device): this tab says so.
    await annRest.call('DELETE', `/api/rooms/${leftId}/members/${annId}`);
    const notice = page.getByRole('alert').filter({
      hasText: `You're no longer a member of ${left}.`,
    });
    await shown(notice);

    for (const viewport of [
      { width: 1280, height: 800 },
      { width: 390, height: 780 },
    ]) {
      await page.setViewportSize(viewport);
      await composer.fill('x');
      const [noticeBox, composerBox, sendBox] = await Promise.all(
        [notice, composer, sendButton].map(boxOf),
      );
      if (noticeBox === undefined || composerBox === undefined || sendBox === undefined)
        throw new Error('a box is missing');
      expect([overlaps(noticeBox, composerBox), overlaps(noticeBox, sendBox)]).toEqual([
        false,
        false,
      ]);
      // Within the screen: the page does not scroll sideways for it.
      expect(
        await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth),
      ).toBeLessThanOrEqual(0);
    }

    // Typed and sent with the mouse while the notice shows.
    await composer.click({ timeout: 5_000 });
    await composer.fill('typed while told');
    await sendButton.click({ timeout: 5_000 });
    await shown(message(page, 'typed while told'));
    await page.setViewportSize({ width: 1280, height: 800 });
    await notice.getByRole('button', { name: 'Dismiss' }).click();
  }, 90_000);

  it('removed while offline with a message held: told, with its words, and the notice stays until dismissed', async () => {
    const name = `removed offline ${suffix}`;
    const roomId = await benRest.createRoom(name, [annId]);
    await benRest.say(roomId, 'before the removal');
    const page = ann.page;
    await page.goto(`${EDGE}/#/rooms/${roomId}`);
    await shown(message(page, 'before the removal'));

    await page.context().setOffline(true);
    await shown(page.getByTestId('connection-banner'));
    await send(page, 'held while offline');
    await shown(message(page, 'held while offline'));
    // Ben takes Ann out while her tab cannot hear it.
    await benRest.call('DELETE', `/api/rooms/${roomId}/members/${annId}`);
    await page.context().setOffline(false);

    const notice = page
      .getByRole('alert')
      .filter({ hasText: `You're no longer a member of ${name}.` })
      .filter({ hasText: 'Not sent, as you are no longer a member there: “held while offline”' });
    await shown(notice);
    await page.getByTestId('connection-banner').waitFor({ state: 'hidden', timeout: UI_TIMEOUT });
    // The room list loaded again after (a room Ann is added to): the notice is still there.
    const later = `after the removal ${suffix}`;
    await benRest.createRoom(later, [annId]);
    await shown(room(page, later));
    expect(await notice.count()).toBe(1);
    expect(await room(page, name).count()).toBe(0);

    await notice.getByRole('button', { name: 'Dismiss' }).click();
    await page.getByRole('alert').waitFor({ state: 'detached', timeout: UI_TIMEOUT });
  }, 90_000);

  it('"Jump to latest" covers no message text on a 320 px phone', async () => {
    const roomId = await roomOfLines(
      `jump ${suffix}`,
      benRest,
      12,
      (n) => `jump line ${n} ${'words across '.repeat(12)}`,
    );
    const page = ann.page;
    await page.setViewportSize({ width: 320, height: 640 });
    try {
      await page.goto(`${EDGE}/#/rooms/${roomId}`);
      await shown(message(page, 'jump line 12 '));
      await readToEndThenScrollTo(page, 200);
      const jump = page.getByTestId('jump-latest');
      await shown(jump);
      const jumpBox = await boxOf(jump);
      // The part of each message's text the list shows (what is scrolled out is not seen).
      const bubbles = await page.getByTestId('messages').evaluate((list) => {
        const view = list.getBoundingClientRect();
        return [...list.querySelectorAll('.bubble')].flatMap((element) => {
          const box = element.getBoundingClientRect();
          const top = Math.max(box.top, view.top);
          const bottom = Math.min(box.bottom, view.bottom);
          return bottom > top ? [{ x: box.x, y: top, width: box.width, height: bottom - top }] : [];
        });
      });
      expect(bubbles.length).toBeGreaterThan(0);
      expect(bubbles.filter((bubble) => overlaps(bubble, jumpBox))).toEqual([]);
      await jump.click();
      await jump.waitFor({ state: 'detached', timeout: UI_TIMEOUT });
      expect(await fromEnd(page)).toBeLessThan(2);
    } finally {
      await page.setViewportSize({ width: 1280, height: 800 });
    }
  }, 90_000);

  it('a room left scrolled up by one user opens at its end for the next user to log in to the tab', async () => {
    const name = `scrolled ${suffix}`;
    const roomId = await roomOfLines(
      name,
      annRest,
      25,
      (n) => `tab line ${n} ${'and more words '.repeat(6)}`,
    );
    // Ben has read it all: his room opens at its end, not at a "new messages" divider.
    const { lastSeq } = await benRest.call<{ lastSeq: number }>('GET', `/api/rooms/${roomId}`);
    await benRest.call('POST', `/api/rooms/${roomId}/read`, { seq: lastSeq });

    const tab = await openPerson(browser, ann.username, ann.displayName, 1, {
      width: 1280,
      height: 800,
    });
    const page = tab.page;
    try {
      await logIn(tab);
      await room(page, name).click();
      await shown(message(page, 'tab line 25 '));
      // Ann reads to the end, scrolls up, and logs out there.
      await readToEndThenScrollTo(page, 60);
      expect(await fromEnd(page)).toBeGreaterThan(1_000);
      await page.getByRole('button', { name: 'Log out' }).click();

      // Ben logs in to the same tab, with no reload in between.
      await page.getByLabel('Username').fill(ben.username);
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Log in' }).click();
      await room(page, name).click();
      await shown(message(page, 'tab line 25 '));
      await page.getByTestId('messages').locator('[data-seq="1"]').waitFor({ state: 'attached' });
      expect(await fromEnd(page)).toBeLessThan(80);
    } finally {
      await page.context().close();
    }
  }, 90_000);
});
