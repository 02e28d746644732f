import { eventually } from '@scale-chat/wait';
import { randomUUID } from 'node:crypto';
import type { Browser, Locator, Page } from 'playwright-core';
import {
  focused,
  launchChromium,
  message,
  openPerson,
  PASSWORD,
  send,
  shown,
  showsText,
  storedMessages,
  UI_TIMEOUT,
  type Person,
  room,
} from './browser';
import { EDGE, LocalStack } from './local-stack';
import { logIn, RestUser } from './rest-user';

/** The texts every alert (toast, inline error) on the page shows now. */
async function alerts(page: Page): Promise<string[]> {
  return page.getByRole('alert').allInnerTexts();
}

/** Waits until `condition` holds, checking every 200 ms. */
async function until(condition: () => boolean, timeout: number): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not so within ${timeout} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The text of the message right after the "new messages" divider, once it shows. */
async function afterDivider(page: Page): Promise<string | null | undefined> {
  await shown(page.getByTestId('new-divider'));
  return page
    .getByTestId('new-divider')
    .evaluate((divider) => divider.nextElementSibling?.querySelector('.bubble')?.textContent);
}

/** True once the message list is scrolled to its end. */
function atBottom(page: Page): Promise<boolean> {
  return page
    .getByTestId('messages')
    .evaluate((list) => list.scrollHeight - list.scrollTop - list.clientHeight < 80);
}

describe('the web app after being offline, across tabs and restarts, and the chat details', () => {
  let stack: LocalStack;
  let browser: Browser;
  const suffix = randomUUID().slice(0, 6);
  let ann: Person;
  let ben: Person;
  let annRest: RestUser;
  let benId = '';
  let benRest: RestUser;

  beforeAll(async () => {
    // Access tokens live 60 s (the least auth allows): two tabs renew past one lifetime.
    stack = await LocalStack.start({ ACCESS_TOKEN_TTL_SECONDS: '60' });
    browser = await launchChromium();
    // Ann on a desktop, Ben on a phone-sized screen.
    ann = await openPerson(browser, `ann_${suffix}`, 'Ann 안', 1, { width: 1280, height: 800 });
    ben = await openPerson(browser, `ben_${suffix}`, 'Ben 벤', 2, { width: 390, height: 780 });
    annRest = await RestUser.signUp(ann.username, ann.displayName);
    benRest = await RestUser.signUp(ben.username, ben.displayName);
    benId = await benRest.userId();
    await logIn(ann);
    await logIn(ben);
  }, 200_000);

  /** Waits until the server counts nothing unread in `roomId` for `reader` (`who`). */
  const hasRead = (reader: RestUser, who: string, roomId: string) =>
    eventually(
      `${who} has read`,
      async () => {
        const list = await reader.call<{ items: { id: string; unreadCount: number }[] }>(
          'GET',
          '/api/rooms',
        );
        return list.items.find((item) => item.id === roomId)?.unreadCount === 0;
      },
      UI_TIMEOUT,
    );

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  }, 120_000);

  it('serves a favicon, not the page, at /favicon.ico', async () => {
    const response = await fetch(`${EDGE}/favicon.ico`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^image\//);
  });

  it('opening a room while offline, then back online: every message in place, no spinner, no raw error', async () => {
    const name = `offline ${suffix}`;
    const roomId = await annRest.createRoom(name, [benId]);
    await annRest.say(roomId, 'before you went offline');
    await shown(room(ben.page, name));

    await ben.page.context().setOffline(true);
    await room(ben.page, name).click();
    // Said in words, with the reason, and no dead "Loading messages…".
    expect(await shown(ben.page.getByTestId('load-problem'))).toContain("You're offline");
    expect(await shown(ben.page.getByTestId('connection-banner'))).toContain("You're offline");
    await send(ben.page, 'written while offline');
    await shown(message(ben.page, 'written while offline'));

    await ben.page.context().setOffline(false);
    // Back online: the room loads by itself (no click) with both messages, in order.
    await showsText(
      message(ben.page, 'written while offline').getByTestId('message-state'),
      '· Sent',
      30_000,
    );
    await shown(message(ben.page, 'before you went offline'));
    await ben.page.getByTestId('load-problem').waitFor({ state: 'detached', timeout: UI_TIMEOUT });
    await ben.page.locator('[data-pending]').waitFor({ state: 'detached', timeout: UI_TIMEOUT });
    await ben.page.getByText('Loading messages…').waitFor({ state: 'detached' });
    expect((await storedMessages(ben.page)).map((stored) => stored.body)).toEqual([
      'before you went offline',
      'written while offline',
    ]);
    for (const text of await alerts(ben.page))
      expect(text).not.toMatch(/TypeError|Failed to fetch|Network error/);
    // And the other side got it.
    await room(ann.page, name).click();
    await shown(message(ann.page, 'written while offline'));
  }, 150_000);

  it('keeps the open room in the URL across a reload, and Back goes from a room to the list', async () => {
    const page = ben.page;
    const name = `offline ${suffix}`;
    expect(new URL(page.url()).hash).toMatch(/^#\/rooms\/[0-9a-f-]{36}$/);
    const roomUrl = page.url();

    await page.reload();
    await shown(page.getByRole('heading', { name }));
    await shown(message(page, 'written while offline'));

    // The phone's Back: to the room list, still in the app; Forward: the room again.
    await page.goBack();
    await shown(room(page, name));
    expect(page.url().startsWith(EDGE)).toBe(true);
    expect(['', '#/']).toContain(new URL(page.url()).hash);
    await page.goForward();
    await shown(page.getByRole('heading', { name }));

    // A room's link opened in a new tab: logged in, in the room, and Back goes to the list.
    const tab = await page.context().newPage();
    await tab.goto(roomUrl);
    await shown(tab.getByRole('heading', { name }));
    await tab.goBack();
    await shown(room(tab, name));
    expect(new URL(tab.url()).hash).toBe('#/');
    await tab.close();
  }, 120_000);

  it('stays signed in across a browser restart when asked to, and only then', async () => {
    const restart = async (staySignedIn: boolean) => {
      const person = await openPerson(browser, ben.username, ben.displayName, 2, {
        width: 1280,
        height: 800,
      });
      await logIn(person, staySignedIn);
      // A restart: the storage the browser keeps on disk, in a new browser context.
      const kept = await person.page.context().storageState();
      await person.page.context().close();
      const context = await browser.newContext({ storageState: kept });
      const page = await context.newPage();
      await page.goto(`${EDGE}/`);
      const after = page
        .getByRole('button', { name: '+ New room' })
        .or(page.getByLabel('Username'));
      await shown(after);
      const signedIn = await page.getByRole('button', { name: '+ New room' }).isVisible();
      await context.close();
      return signedIn;
    };
    expect(await restart(true)).toBe(true);
    expect(await restart(false)).toBe(false);
  }, 150_000);

  it('two tabs of one login renew their tokens past a lifetime without logging each other out', async () => {
    const second = await ann.page.context().newPage();
    const renewals = new Map<Page, number[]>([
      [ann.page, []],
      [second, []],
    ]);
    for (const [page, statuses] of renewals)
      page.on('response', (response) => {
        if (new URL(response.url()).pathname === '/api/auth/refresh')
          statuses.push(response.status());
      });
    // The room Ann has open, by its link: both tabs in it.
    expect(new URL(ann.page.url()).hash).toMatch(/^#\/rooms\//);
    await second.goto(ann.page.url());
    await shown(second.getByRole('heading', { name: `offline ${suffix}` }));
    // The new tab renewed once to start; then each renews at 80% of its token's 60 s,
    // each presenting the newest refresh token (a stale one would end the login: 401).
    await until(
      () => (renewals.get(ann.page)?.length ?? 0) >= 1 && (renewals.get(second)?.length ?? 0) >= 2,
      90_000,
    );
    expect([...renewals.values()].flat().every((status) => status === 200)).toBe(true);
    for (const page of [ann.page, second]) {
      expect(await page.getByLabel('Username').count()).toBe(0);
      await send(page, `still signed in ${page === second ? 'tab 2' : 'tab 1'}`);
      await showsText(
        message(page, `still signed in ${page === second ? 'tab 2' : 'tab 1'}`).getByTestId(
          'message-state',
        ),
        '· Sent',
      );
    }
    await second.close();
  }, 150_000);

  it('finds people by a Korean display name (v1.1), and never lists yourself', async () => {
    const page = ann.page;
    await page.getByRole('button', { name: '+ New room' }).click();
    const dialog = page.getByRole('dialog', { name: 'New room' });
    await dialog.getByLabel('Add people').fill('벤');
    await shown(dialog.getByRole('option', { name: new RegExp(`@${ben.username}$`) }));
    expect(await dialog.getByTestId('user-search-error').count()).toBe(0);
    // Ann's own username is the start of another's: that one is listed, Ann is not.
    const namesake = `${ann.username}x`;
    await RestUser.signUp(namesake, 'Namesake');
    await dialog.getByLabel('Add people').fill(ann.username);
    await shown(dialog.getByRole('option', { name: new RegExp(`@${namesake}$`) }));
    expect(
      await dialog.getByRole('option', { name: new RegExp(`@${ann.username}$`) }).count(),
    ).toBe(0);
    // Closed, and seen closed, before the next test clicks the room list behind it (a fresh-
    // clone run once found it still open after Escape).
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'hidden', timeout: UI_TIMEOUT });
  }, 90_000);

  it('says "1 member", asks before leaving, and keeps the focus in a growing composer', async () => {
    const page = ann.page;
    const alone = `alone ${suffix}`;
    await annRest.createRoom(alone, []);
    await showsText(room(page, alone).locator('.room-last'), '1 member');
    await room(page, alone).click();
    await showsText(page.getByTestId('member-count'), '1 member');

    const composer = page.getByLabel('Message', { exact: true });
    const height = () => composer.evaluate((element) => element.getBoundingClientRect().height);
    const oneLine = await height();
    await composer.fill('one\ntwo\nthree\nfour');
    expect(await height()).toBeGreaterThan(oneLine * 1.8);
    await composer.fill(Array.from({ length: 40 }, (_, index) => `line ${index}`).join('\n'));
    const tall = await height();
    expect(tall).toBeLessThanOrEqual(210);
    await composer.fill('sent with the button');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await showsText(message(page, 'sent with the button').getByTestId('message-state'), '· Sent');
    await focused(composer);
    expect(await height()).toBeLessThan(oneLine * 1.5);

    // A whole message of emoji fits (the API counts code points, the browser UTF-16
    // units, two an emoji); one more is said, not cut.
    await composer.fill('');
    await composer.focus();
    await page.keyboard.insertText('😀'.repeat(4_000));
    const codePoints = () =>
      composer.evaluate((element) => [...(element as HTMLTextAreaElement).value].length);
    expect(await codePoints()).toBe(4_000);
    expect(await composer.getAttribute('aria-invalid')).toBe('false');
    await page.keyboard.insertText('😀');
    expect(await codePoints()).toBe(4_001);
    await shown(page.getByText('At most 4000 characters.'));
    expect(await page.getByRole('button', { name: 'Send', exact: true }).isDisabled()).toBe(true);
    await composer.fill('');

    await page.getByRole('button', { name: 'Members', exact: true }).click();
    await page.getByRole('button', { name: 'Leave room' }).click();
    const confirm = page.getByRole('dialog', { name: `Leave ${alone}?` });
    await confirm.getByRole('button', { name: 'Stay' }).click();
    await confirm.waitFor({ state: 'hidden' });
    await shown(page.getByRole('heading', { name: alone }));
    expect(await room(page, alone).count()).toBe(1);
  }, 120_000);

  it('shows links safely, dates, long messages collapsed, a new-messages divider and jump to latest', async () => {
    const name = `details ${suffix}`;
    const roomId = await annRest.createRoom(name, [benId]);
    const page = ben.page;
    await page.getByRole('button', { name: 'Back to rooms' }).click();
    await shown(room(page, name));
    // Read before: 30 messages Ben will have seen. Then three he has not, one with links.
    await annRest.say(roomId, ...Array.from({ length: 30 }, (_, index) => `earlier ${index + 1}`));
    await room(page, name).click();
    await shown(message(page, 'earlier 30'));
    // The room opens at its first unread message; read once Ben scrolls to the newest, and
    // his read cursor reaches 30 (the app says so with `read`) before he leaves the room.
    await page.getByTestId('messages').press('End');
    await hasRead(benRest, 'Ben, the first 30,', roomId);
    await page.getByRole('button', { name: 'Back to rooms' }).click();
    const links = 'see https://example.com/a?b=1, not javascript:alert(1) nor <b>bold</b>';
    const long = `long: ${'가나다라 '.repeat(300)}`;
    await annRest.say(roomId, 'first unread', links, long);
    await showsText(room(page, name).getByTestId('unread'), '3 unread');
    await room(page, name).click();

    // The divider sits right before the first message Ben had not read.
    expect(await afterDivider(page)).toBe('first unread');

    // Links: only http(s), opened safely; markup stays text.
    const linked = message(page, 'see https://example.com');
    const anchors = linked.locator('a');
    expect(await anchors.count()).toBe(1);
    expect(await anchors.getAttribute('href')).toBe('https://example.com/a?b=1');
    expect(await anchors.getAttribute('rel')).toBe('noopener noreferrer');
    expect(await anchors.getAttribute('target')).toBe('_blank');
    expect(await linked.locator('b').count()).toBe(0);
    expect(await linked.locator('.bubble').innerText()).toContain('<b>bold</b>');

    // Dates: a separator for the day; the full date with the year on hover.
    expect(await page.getByTestId('day-separator').allInnerTexts()).toEqual(['Today']);
    const title = await linked.locator('time').getAttribute('title');
    expect(title).toContain(String(new Date().getFullYear()));

    // A very long message is collapsed until asked for.
    const collapsed = message(page, 'long:');
    const more = collapsed.getByRole('button', { name: 'Show more' });
    expect(await more.getAttribute('aria-expanded')).toBe('false');
    expect(await collapsed.locator('.bubble.collapsed').count()).toBe(1);
    await more.click();
    await shown(collapsed.getByRole('button', { name: 'Show less' }));
    expect(await collapsed.locator('.bubble.collapsed').count()).toBe(0);

    // Scrolled up, new messages bring a "jump to latest" with their count.
    await page.getByTestId('messages').evaluate((list) => {
      list.scrollTop = 0;
    });
    await shown(page.getByTestId('jump-latest'));
    await annRest.say(roomId, 'while you scrolled up 1', 'while you scrolled up 2');
    await showsText(page.getByTestId('jump-latest'), '2 new · Jump to latest ↓');
    expect(await atBottom(page)).toBe(false);
    await page.getByTestId('jump-latest').click();
    await page.getByTestId('jump-latest').waitFor({ state: 'detached', timeout: UI_TIMEOUT });
    expect(await atBottom(page)).toBe(true);
    await shown(message(page, 'while you scrolled up 2'));
  }, 150_000);

  it('lets the owner remove a member after asking; the member sees the room go; no one else is offered it', async () => {
    const name = `removal ${suffix}`;
    const roomId = await annRest.createRoom(name, [benId]);
    const members = (page: Page) => page.getByTestId('members');
    const member = (page: Page, person: Person) =>
      members(page).locator(`[data-user="${person.username}"]`);

    await ben.page.goto(`${EDGE}/#/rooms/${roomId}`);
    await ben.page.getByRole('button', { name: 'Members', exact: true }).click();
    await shown(member(ben.page, ann));
    expect(await members(ben.page).getByTestId('remove-member').count()).toBe(0);

    const page = ann.page;
    await page.goto(`${EDGE}/#/rooms/${roomId}`);
    await page.getByRole('button', { name: 'Members', exact: true }).click();
    await shown(member(page, ben));
    // Only beside the others: the owner leaves instead.
    expect(await members(page).getByTestId('remove-member').count()).toBe(1);
    await page.getByRole('button', { name: `Remove ${ben.displayName}` }).click();
    const confirm = page.getByRole('dialog', { name: `Remove ${ben.displayName} from ${name}?` });
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await confirm.waitFor({ state: 'hidden' });
    expect(await member(page, ben).count()).toBe(1);

    await page.getByRole('button', { name: `Remove ${ben.displayName}` }).click();
    await confirm.getByRole('button', { name: 'Remove', exact: true }).click();
    await member(page, ben).waitFor({ state: 'detached', timeout: UI_TIMEOUT });
    await room(ben.page, name).waitFor({ state: 'detached', timeout: UI_TIMEOUT });
    const view = await annRest.call<{ members: { userId: string }[] }>(
      'GET',
      `/api/rooms/${roomId}`,
    );
    expect(view.members.map((each) => each.userId)).not.toContain(benId);
    expect(await alerts(page)).toEqual([]);
  }, 90_000);

  it('deletes the account only once the username is typed, then shows the login screen saying so', async () => {
    const cal = await openPerson(browser, `cal_${suffix}`, 'Cal 칼', 1, {
      width: 1280,
      height: 800,
    });
    await RestUser.signUp(cal.username, cal.displayName);
    await logIn(cal);
    // The same account on another device (a browser context of its own, the other gateway).
    const elsewhere = await openPerson(browser, cal.username, cal.displayName, 2, {
      width: 1280,
      height: 800,
    });
    await logIn(elsewhere);
    const page = cal.page;
    await page.getByRole('button', { name: 'Your account' }).click();
    const dialog = page.getByRole('dialog', { name: 'Your account' });
    const remove = dialog.getByRole('button', { name: 'Delete account' });
    expect(await remove.isDisabled()).toBe(true);
    await dialog.getByTestId('confirm-username').fill(`${cal.username}x`);
    expect(await remove.isDisabled()).toBe(true);
    await dialog.getByTestId('confirm-username').fill(cal.username);
    await remove.click();

    expect(await shown(page.getByTestId('account-deleted'))).toContain('being deleted');
    expect(await page.getByRole('button', { name: '+ New room' }).count()).toBe(0);
    // The other device's login ends with the account, and its login screen says why.
    expect(await shown(elsewhere.page.getByTestId('session-ended'))).toContain(
      'Your login has ended',
    );
    await elsewhere.page.context().close();
    const login = await fetch(`${EDGE}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: cal.username, password: PASSWORD }),
    });
    expect(login.status).toBe(401);
    // Not kept signed in: a reload shows the login screen, now without the notice.
    await page.reload();
    await shown(page.getByRole('button', { name: 'Log in' }));
    expect(await page.getByTestId('account-deleted').count()).toBe(0);
    await page.context().close();
  }, 90_000);

  it("says a room that is not the user's is not available, and offers no composer in it", async () => {
    const roomId = await annRest.createRoom(`not ben's ${suffix}`, []);
    const page = ben.page;
    await page.goto(`${EDGE}/#/rooms/${roomId}`);
    expect(await shown(page.getByTestId('load-problem'))).toContain("isn't available");
    expect(await page.getByLabel('Message', { exact: true }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Members' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Back to rooms' }).last().click();
    expect(['', '#/']).toContain(new URL(page.url()).hash);
  }, 60_000);

  it('puts the divider above the first unread message when a later one was deleted, and names a deleted account so at once', async () => {
    const dee = `dee_${suffix}`;
    const deeRest = await RestUser.signUp(dee, 'Dee 디');
    const deeId = await deeRest.userId();
    const name = `unread ${suffix}`;
    const roomId = await annRest.createRoom(name, [benId, deeId]);
    await annRest.say(roomId, 'one');
    await deeRest.say(roomId, 'two');
    await annRest.call('DELETE', `/api/rooms/${roomId}/messages/2`);
    await annRest.say(roomId, 'three');
    await deeRest.say(roomId, 'dee here');

    // Ben (a phone, at the room list) has three unread: the deleted one is not one of them.
    const page = ben.page;
    await showsText(room(page, name).getByTestId('unread'), '3 unread');
    await room(page, name).click();
    expect(await afterDivider(page)).toBe('one');
    await page.getByRole('button', { name: 'Back to rooms' }).click();

    // Dee deletes the account while Ann looks at the room: the name goes without a reload.
    await ann.page.goto(`${EDGE}/#/rooms/${roomId}`);
    const sender = message(ann.page, 'dee here').locator('.sender');
    await showsText(sender, 'Dee 디');
    await deeRest.call('DELETE', '/api/users/me');
    await showsText(sender, 'Deleted account');
  }, 90_000);

  it('opens at the first of more unread messages than a page holds, reads them only at the end, and keeps what was typed', async () => {
    const name = `busy ${suffix}`;
    const roomId = await annRest.createRoom(name, [benId]);
    await annRest.say(roomId, ...Array.from({ length: 80 }, (_, index) => `busy ${index + 1}`));
    // Ben, on his phone, comes back to the app at the room list.
    const page = ben.page;
    await page.goto(`${EDGE}/?gatewayPort=${ben.gatewayPort}`);
    await showsText(room(page, name).getByTestId('unread'), '80 unread');
    await room(page, name).click();

    // The divider sits before the first of the 80, and the view is there, not at the end.
    expect(await afterDivider(page)).toBe('busy 1');
    await shown(page.getByTestId('jump-latest'));
    expect(await atBottom(page)).toBe(false);

    // Read once he is at the newest message.
    await page.getByTestId('jump-latest').click();
    await hasRead(benRest, 'Ben, all 80,', roomId);

    // What he typed and did not send waits in the room while he is elsewhere, and after a
    // reload; sent, it is gone from the field.
    const composer = page.getByLabel('Message', { exact: true });
    await composer.fill('half a thought');
    await page.getByRole('button', { name: 'Back to rooms' }).click();
    await room(page, name).click();
    expect(await composer.inputValue()).toBe('half a thought');
    await page.reload();
    await shown(composer);
    expect(await composer.inputValue()).toBe('half a thought');
    // The keyboard gets past every message's buttons in one press.
    await page.getByRole('button', { name: 'Skip to the message box' }).focus();
    await page.keyboard.press('Enter');
    await focused(composer);
    await composer.press('Enter');
    await shown(message(page, 'half a thought'));
    await page.getByRole('button', { name: 'Back to rooms' }).click();
    await room(page, name).click();
    expect(await composer.inputValue()).toBe('');

    await page.getByRole('button', { name: 'Back to rooms' }).click();

    // Ann, on a desktop, logs out with the room open: the tab names no room, and keeps
    // nothing she typed, for whoever signs in to it next.
    await ann.page.goto(`${EDGE}/?gatewayPort=${ann.gatewayPort}#/rooms/${roomId}`);
    const annComposer = ann.page.getByLabel('Message', { exact: true });
    await annComposer.fill('not for the next person');
    await ann.page.getByRole('button', { name: 'Log out' }).click();
    await shown(ann.page.getByRole('button', { name: 'Log in' }));
    expect(new URL(ann.page.url()).hash).toBe('#/');
    expect(
      await ann.page.evaluate(() => sessionStorage.getItem('scale-chat.unsentText')),
    ).toBeNull();
    await logIn(ann);
  }, 90_000);

  it('marks what came while the page was hidden with the divider, and reads it once shown', async () => {
    const name = `hidden ${suffix}`;
    // Ann's own room and message: nothing unread when she opens it, so no divider then.
    const roomId = await annRest.createRoom(name, [benId]);
    await annRest.say(roomId, 'before you looked away');
    const page = ann.page;
    await room(page, name).click();
    await shown(message(page, 'before you looked away'));
    // Another tab in front: the browser says the page is hidden.
    const setHidden = (hidden: boolean) =>
      page.evaluate((hide) => {
        if (hide)
          Object.defineProperty(document, 'visibilityState', {
            configurable: true,
            get: () => 'hidden',
          });
        else Reflect.deleteProperty(document, 'visibilityState');
        document.dispatchEvent(new Event('visibilitychange'));
      }, hidden);
    await setHidden(true);
    await benRest.say(roomId, 'while you were away');
    await shown(message(page, 'while you were away'));
    await setHidden(false);
    expect(await afterDivider(page)).toBe('while you were away');
    await hasRead(annRest, 'Ann', roomId);
  }, 60_000);

  it('ends a link at a right-to-left override, and keeps a body, a link and names each to their own direction', async () => {
    const page = ann.page;
    const name = `bidi ${suffix}`;
    const roomId = await annRest.createRoom(name, [benId]);
    // U+202E would show the link's end as "exe.jpg".
    await benRest.say(roomId, 'get \u202Ehttps://x.org/\u202Egpj.exe');
    await page.goto(`${EDGE}/#/rooms/${roomId}`);
    const item = message(page, 'gpj.exe');
    const link = item.locator('a');
    expect(await shown(link)).toBe('https://x.org/');
    expect(await link.getAttribute('href')).toBe('https://x.org/');
    // Each sets its own direction (dir="auto", or a <bdi>) and isolates it.
    const isolation = (locator: Locator) =>
      locator.evaluate((element) => [
        element.getAttribute('dir') ?? element.tagName,
        getComputedStyle(element).unicodeBidi,
      ]);
    expect(await isolation(item.locator('.bubble'))).toEqual(['auto', 'isolate']);
    expect(await isolation(link)).toEqual(['auto', 'isolate']);
    expect(await isolation(item.locator('.sender'))).toEqual(['BDI', 'isolate']);
    // The sender's username beside the name: a display name may be anyone's.
    await showsText(item.locator('.handle'), `@${ben.username}`);
    expect(await isolation(room(page, name).locator('.room-name'))).toEqual(['BDI', 'isolate']);
    expect(await isolation(page.getByRole('heading', { name }))).toEqual(['auto', 'isolate']);
  }, 60_000);

  it('fits a long member name, a phone’s toast and sidebar; finds "@name"; links www.; says a room name is too long', async () => {
    const page = ann.page;
    const longName = 'Gina with a rather long display name for testing 지나';
    const gina = `gina_${suffix}`;
    const ginaId = await (await RestUser.signUp(gina, longName)).userId();
    const name = `layout ${suffix}, a room with a name long enough for a toast`;
    const roomId = await annRest.createRoom(name, [benId, ginaId]);
    await annRest.say(roomId, 'see www.test.org.');

    // A long name has the row, on one line ending in "…"; its actions do not squeeze it.
    await page.goto(`${EDGE}/#/rooms/${roomId}`);
    const link = message(page, 'see www.test.org').locator('a');
    expect(await link.getAttribute('href')).toBe('https://www.test.org/');
    expect(await link.innerText()).toBe('www.test.org');
    await page.getByRole('button', { name: 'Members', exact: true }).click();
    const member = page.getByTestId('members').locator(`[data-user="${gina}"]`);
    const memberName = member.locator('.member-name');
    await shown(memberName);
    expect(await memberName.getAttribute('title')).toBe(longName);
    const box = await memberName.evaluate((element) => ({
      height: element.getBoundingClientRect().height,
      width: element.getBoundingClientRect().width,
      cut: element.scrollWidth > element.clientWidth,
    }));
    expect(box.height).toBeLessThan(30);
    expect(box.width).toBeGreaterThan(150);
    expect(box.cut).toBe(true);
    await shown(member.getByTestId('remove-member'));
    await page.getByRole('button', { name: 'Close members' }).click();

    // "@username" as the app shows people finds them; a pasted long room name is said so.
    await page.getByRole('button', { name: '+ New room' }).click();
    const dialog = page.getByRole('dialog', { name: 'New room' });
    await dialog.getByLabel('Add people').fill(` @${ben.username}`);
    await shown(dialog.getByRole('option', { name: new RegExp(`@${ben.username}$`) }));
    await dialog.getByLabel('Room name').fill('x'.repeat(150));
    expect(await dialog.getByLabel('Room name').inputValue()).toHaveLength(150);
    await showsText(dialog.getByTestId('room-name-too-long'), 'At most 100 characters.');
    expect(await dialog.getByRole('button', { name: 'Create room' }).isDisabled()).toBe(true);
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'hidden', timeout: UI_TIMEOUT });

    // Ben's phone: the sidebar is the only pane, with no border at the screen's edge; a
    // toast takes the screen's width rather than half of it.
    const phone = ben.page;
    await shown(room(phone, name));
    expect(
      await phone.locator('.sidebar').evaluate((bar) => getComputedStyle(bar).borderRightWidth),
    ).toBe('0px');
    await annRest.call('DELETE', `/api/rooms/${roomId}/members/${benId}`);
    const toast = phone.locator('.toast');
    await shown(toast);
    expect(await toast.innerText()).toContain(`You're no longer a member of ${name}.`);
    expect(
      await toast.evaluate((element) => element.getBoundingClientRect().width),
    ).toBeGreaterThan(300);
    await toast.getByRole('button', { name: 'Dismiss' }).click();
  }, 90_000);

  it('makes the message list one stop for Tab, with the arrow keys between messages, through history loading and a delete', async () => {
    const name = `keys ${suffix}`;
    const roomId = await annRest.createRoom(name, [benId]);
    // All Ann's: nothing unread, so the room opens at its end. More than a page: the first
    // two load only once she goes up to them.
    await annRest.say(
      roomId,
      'key one',
      'key two',
      ...Array.from({ length: 58 }, (_, index) => `between #${index}`),
      'key three',
      'key four',
    );
    const page = ann.page;
    await page.goto(`${EDGE}/#/rooms/${roomId}`);
    await shown(message(page, 'key four'));
    const composer = page.getByLabel('Message', { exact: true });
    // A desktop: a room opens ready to type.
    await focused(composer);
    /** The text of the message the focus is in; `composer`; or the focused element's tag. */
    const focusIn = () =>
      page.evaluate(() => {
        const active = document.activeElement;
        if (active?.id.startsWith('composer-') === true) return 'composer';
        const inMessage = active?.closest('[data-testid="message"]');
        return (
          inMessage?.querySelector('.bubble')?.textContent ??
          active?.getAttribute('data-testid') ??
          active?.tagName ??
          'none'
        );
      });

    // Back from the message box: into the newest message, the one stop of the list.
    await page.keyboard.press('Shift+Tab');
    expect(await focusIn()).toBe('key four');
    await page.keyboard.press('ArrowUp');
    await focused(message(page, 'key three'));
    // To the first message loaded: the page before it loads above, and the keyboard stays.
    await page.keyboard.press('Home');
    const firstLoaded = await focusIn();
    expect(firstLoaded).toMatch(/^between #/);
    await shown(message(page, 'key one'));
    expect(await focusIn()).toBe(firstLoaded);
    await page.keyboard.press('Home');
    await focused(message(page, 'key one'));
    await page.keyboard.press('ArrowDown');
    await focused(message(page, 'key two'));
    // Tab goes through that message's buttons, then straight out of the list (past "Jump
    // to latest", shown while the list is scrolled up).
    const passed: string[] = [];
    for (let presses = 0; presses < 10; presses += 1) {
      await page.keyboard.press('Tab');
      const where = await focusIn();
      if (where === 'composer') break;
      passed.push(where);
    }
    expect(await focusIn()).toBe('composer');
    expect(passed.length).toBeGreaterThan(0);
    expect(passed[0]).toBe('key two');
    expect(new Set(passed.filter((where) => where !== 'jump-latest'))).toEqual(
      new Set(['key two']),
    );
    // And back in at the message it was on.
    await page.keyboard.press('Shift+Tab');
    if ((await focusIn()) === 'jump-latest') await page.keyboard.press('Shift+Tab');
    expect(await focusIn()).toBe('key two');

    // Delete asks first, the keyboard on Keep (Enter twice deletes nothing); Keep and
    // Escape go back to Delete; deleting leaves the keyboard on the message, whose
    // buttons are gone.
    const two = message(page, 'key two');
    const deleteButton = two.getByRole('button', { name: 'Delete', exact: true });
    await deleteButton.focus();
    await page.keyboard.press('Enter');
    await focused(two.getByRole('button', { name: 'Keep' }));
    await page.keyboard.press('Enter');
    await focused(deleteButton);
    await page.keyboard.press('Enter');
    await focused(two.getByRole('button', { name: 'Keep' }));
    await page.keyboard.press('Escape');
    await focused(deleteButton);
    expect(await two.getByRole('button', { name: 'Delete for everyone' }).count()).toBe(0);
    await page.keyboard.press('Enter');
    await page.keyboard.press('Shift+Tab');
    await focused(two.getByRole('button', { name: 'Delete for everyone' }));
    await page.keyboard.press('Enter');
    const deleted = page.getByTestId('message').filter({ has: page.getByTestId('deleted') });
    await shown(deleted);
    await focused(deleted);
    await page.keyboard.press('End');
    await focused(message(page, 'key four'));
  }, 90_000);
});
