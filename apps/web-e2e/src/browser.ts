import { join } from 'node:path';
import { findInstance, REPO_ROOT } from '@scale-chat/tools/infra';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { EDGE } from './local-stack';

/** What the browser tests share: Chromium, a person's page, waiting for what shows. */
export const SCREENSHOTS = join(REPO_ROOT, 'docs', 'screenshots');
export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
export const PASSWORD = 'correct horse battery';
/** How long the browser tests wait for what should show: room for a page and its API calls on a loaded two-core machine. */
export const UI_TIMEOUT = 30_000;

export interface Person {
  readonly username: string;
  readonly displayName: string;
  readonly gatewayPort: number;
  readonly page: Page;
  /** The URLs of the WebSockets the page opened. */
  readonly sockets: string[];
  /** The paths of the REST calls the page made. */
  readonly calls: string[];
  /** The Socket.IO events the page sent, by name, in order. */
  readonly emitted: string[];
}

/** A user in a browser context of their own, whose socket goes to gateway `instance`. */
export async function openPerson(
  browser: Browser,
  username: string,
  displayName: string,
  instance: number,
  viewport: { width: number; height: number },
): Promise<Person> {
  const phone = viewport.width < 600;
  const context = await browser.newContext({
    viewport,
    isMobile: phone,
    hasTouch: phone,
    locale: 'ko-KR',
  });
  const page = await context.newPage();
  const sockets: string[] = [];
  const emitted: string[] = [];
  page.on('websocket', (socket) => {
    sockets.push(socket.url());
    // Socket.IO event packets: `42<ack id>["name", ...]`.
    socket.on('framesent', ({ payload }) => {
      const name = /^42\d*\["([^"]+)"/.exec(String(payload))?.[1];
      if (name !== undefined) emitted.push(name);
    });
  });
  const calls: string[] = [];
  page.on('request', (request) => calls.push(new URL(request.url()).pathname));
  return {
    username,
    displayName,
    gatewayPort: findInstance('chat-gateway', instance).port,
    page,
    sockets,
    calls,
    emitted,
  };
}

export async function shoot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}

/** Waits until `locator` shows; its text, trimmed. */
export async function shown(locator: Locator, timeout = UI_TIMEOUT): Promise<string> {
  await locator.first().waitFor({ state: 'visible', timeout });
  return (await locator.first().innerText()).trim();
}

/** Waits until `locator` shows exactly `text` (after trimming and folding whitespace). */
export async function showsText(
  locator: Locator,
  text: string,
  timeout = UI_TIMEOUT,
): Promise<void> {
  const escaped = text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/ /g, '\\s+');
  await locator
    .filter({ hasText: new RegExp(`^\\s*${escaped}\\s*$`) })
    .first()
    .waitFor({ state: 'visible', timeout });
}

/** Waits until `locator` has the keyboard focus. */
export async function focused(locator: Locator): Promise<void> {
  const element = await locator.elementHandle({ timeout: UI_TIMEOUT });
  await locator.page().waitForFunction((target) => target === document.activeElement, element, {
    timeout: UI_TIMEOUT,
  });
}

/** Fills the "New room" dialog (open) with a name and one member found by search. */
export async function fillNewRoom(page: Page, name: string, member: Person): Promise<Locator> {
  const dialog = page.getByRole('dialog', { name: 'New room' });
  await dialog.getByLabel('Room name').fill(name);
  await dialog.getByLabel('Add people').fill(member.username.slice(0, 7));
  await dialog.getByRole('option', { name: new RegExp(`@${member.username}`) }).click();
  await shown(dialog.getByRole('list', { name: 'People to add' }).getByText(member.displayName));
  // The result picked is gone: the keyboard is back at the search, not on the page.
  await focused(dialog.getByLabel('Add people'));
  return dialog;
}

/** A room in the room list, by the name it shows (a direct room's: the other person's). */
export function room(page: Page, name: string): Locator {
  return page.locator(`[data-room-name="${name}"]`);
}

export function messages(page: Page): Locator {
  return page.getByTestId('messages').getByTestId('message');
}

export function message(page: Page, text: string): Locator {
  return messages(page).filter({ hasText: text });
}

/**
 * Scrolls the open room's message list to its end and then back up to `top` pixels from
 * its top, as a reader who read to the end and went back a little does, each scroll
 * waited for.
 */
export async function readToEndThenScrollTo(page: Page, top: number): Promise<void> {
  const list = page.getByTestId('messages');
  await list.evaluate((element) => (element.scrollTop = element.scrollHeight));
  await page.waitForFunction(
    () => {
      const element = document.querySelector('[data-testid="messages"]');
      return (
        element !== null && element.scrollHeight - element.clientHeight - element.scrollTop < 1
      );
    },
    undefined,
    { timeout: UI_TIMEOUT },
  );
  await list.evaluate((element, to) => (element.scrollTop = to), top);
  await page.waitForFunction(
    (to) => document.querySelector('[data-testid="messages"]')?.scrollTop === to,
    top,
    { timeout: UI_TIMEOUT },
  );
}

/** The texts of the stored (not pending) messages on the page with their seq, in page order. */
export async function storedMessages(page: Page): Promise<{ seq: number; body: string }[]> {
  return page
    .getByTestId('messages')
    .locator('[data-seq]')
    .evaluateAll((items) =>
      items.map((item) => ({
        seq: Number(item.getAttribute('data-seq')),
        body: item.querySelector('.bubble')?.textContent ?? '',
      })),
    );
}

export async function send(page: Page, text: string): Promise<void> {
  const composer = page.getByLabel('Message', { exact: true });
  await composer.fill(text);
  await composer.press('Enter');
}

/**
 * Sends a REST request, and again after its `Retry-After` while it is refused for the
 * user's rate (429), as a client would; the answer that is not a 429.
 */
export async function whileRateLimited(send: () => Promise<Response>): Promise<Response> {
  for (;;) {
    const response = await send();
    if (response.status !== 429) return response;
    const seconds = Number(response.headers.get('retry-after'));
    if (!(seconds > 0)) throw new Error('a 429 without Retry-After');
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  }
}

/** Makes an account through the API (the signup saga), for a test about something else. */
export async function apiSignUp(username: string, displayName: string): Promise<void> {
  const response = await fetch(`${EDGE}/api/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: PASSWORD, displayName }),
  });
  expect(response.status).toBe(201);
}

export async function apiLogin(username: string): Promise<string> {
  const response = await fetch(`${EDGE}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { accessToken: string }).accessToken;
}

/** Debian's Chromium, as the suite drives it. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    // Root in CI containers cannot use Chromium's sandbox.
    chromiumSandbox: false,
    args: ['--disable-dev-shm-usage'],
  });
}

/**
 * The fonts Chromium drew `locator`'s text with (DevTools' "Rendered fonts"), by family,
 * with how many glyphs each drew.
 */
export async function renderedFonts(page: Page, locator: Locator): Promise<Map<string, number>> {
  const probe = `font-probe-${Math.random().toString(36).slice(2)}`;
  await locator.evaluate((element, name) => element.setAttribute('data-font-probe', name), probe);
  const cdp = await page.context().newCDPSession(page);
  try {
    await cdp.send('DOM.enable');
    await cdp.send('CSS.enable');
    const { root } = await cdp.send('DOM.getDocument', { depth: 0 });
    const { nodeId } = await cdp.send('DOM.querySelector', {
      nodeId: root.nodeId,
      selector: `[data-font-probe="${probe}"]`,
    });
    const { fonts } = await cdp.send('CSS.getPlatformFontsForNode', { nodeId });
    return new Map(fonts.map((font) => [font.familyName, font.glyphCount]));
  } finally {
    await cdp.detach();
    await locator.evaluate((element) => element.removeAttribute('data-font-probe'));
  }
}
