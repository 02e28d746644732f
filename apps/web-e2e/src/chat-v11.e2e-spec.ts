import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import {
  focused,
  launchChromium,
  message,
  openPerson,
  renderedFonts,
  readToEndThenScrollTo,
  send,
  shown,
  showsText,
  storedMessages,
  UI_TIMEOUT,
  type Person,
  room,
} from './browser';
import { LocalStack } from './local-stack';
import { logIn, RestUser } from './rest-user';

/** Opens the room `name` from the list and waits for its heading. */
async function openRoom(page: Page, name: string): Promise<void> {
  await room(page, name).click();
  await shown(page.getByRole('heading', { name }));
}

/** Clicks the action `name` (Reply, React, Edit, Delete…) of the message showing `text`. */
async function act(page: Page, text: string, name: string): Promise<void> {
  const item = message(page, text).first();
  await item.hover();
  await item.getByRole('button', { name, exact: true }).click();
}

/** Starts editing this user's message `text` from its Edit action. */
async function startEdit(page: Page, text: string): Promise<void> {
  await act(page, text, 'Edit');
  // The composer takes the message's text (and the focus) once the edit has started.
  await page.waitForFunction(
    (body) => (document.activeElement as HTMLTextAreaElement | null)?.value === body,
    text,
    { timeout: UI_TIMEOUT },
  );
}

/** Edits this user's message `text` to `edited` from its Edit action, in the composer. */
async function edit(page: Page, text: string, edited: string): Promise<void> {
  await startEdit(page, text);
  const composer = page.getByLabel('Message', { exact: true });
  await composer.fill(edited);
  await composer.press('Enter');
}

describe('the web app with API v1.1 (direct rooms, edits, reactions, mentions, search) on two gateway instances', () => {
  let stack: LocalStack;
  let browser: Browser;
  const suffix = randomUUID().slice(0, 6);
  const group = `v11 그룹 ${suffix}`;
  let cho: Person;
  let dan: Person;
  let choRest: RestUser;
  let danId = '';
  let groupId = '';

  beforeAll(async () => {
    stack = await LocalStack.start({ ACCESS_TOKEN_TTL_SECONDS: '60' });
    browser = await launchChromium();
    const desktop = { width: 1280, height: 800 };
    cho = await openPerson(browser, `cho_${suffix}`, 'Cho 조민서', 1, desktop);
    dan = await openPerson(browser, `dan_${suffix}`, 'Dan 단', 2, desktop);
    choRest = await RestUser.signUp(cho.username, cho.displayName);
    const danRest = await RestUser.signUp(dan.username, dan.displayName);
    danId = await danRest.userId();
    groupId = await choRest.createRoom(group, [danId]);
    // Dan is online before Cho connects: Cho must see that without any presence event.
    await logIn(dan);
    await dan.page
      .getByTestId('connection-banner')
      .waitFor({ state: 'hidden', timeout: UI_TIMEOUT });
    await logIn(cho);
  }, 200_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  }, 60_000);

  it('shows a user who was online before the other connected as online', async () => {
    await openRoom(cho.page, group);
    await cho.page.getByRole('button', { name: 'Members', exact: true }).click();
    await shown(cho.page.locator(`[data-user="${dan.username}"] [data-presence="true"]`));
    await cho.page.getByRole('button', { name: 'Close members' }).click();
  }, 30_000);

  it('keeps read receipts across a reload (the members’ read cursors)', async () => {
    await send(cho.page, 'read me please');
    await showsText(message(cho.page, 'read me please').getByTestId('message-state'), '· Sent');
    await openRoom(dan.page, group);
    await shown(message(dan.page, 'read me please'));
    await showsText(cho.page.getByTestId('seen'), `Seen by ${dan.displayName}`);

    await cho.page.reload();
    await shown(cho.page.getByRole('heading', { name: group }));
    await showsText(
      message(cho.page, 'read me please').getByTestId('seen'),
      `Seen by ${dan.displayName}`,
    );
  }, 45_000);

  it('starts a direct message from the people search by a Korean display name, and from a member’s name; both ways', async () => {
    const page = cho.page;
    await page.getByRole('button', { name: '+ Message someone' }).click();
    const dialog = page.getByRole('dialog', { name: 'Message someone' });
    await dialog.getByLabel('Find a person').fill('단');
    await dialog.getByRole('option', { name: new RegExp(`@${dan.username}$`) }).click();
    await shown(page.getByRole('heading', { name: dan.displayName }));
    const directUrl = page.url();
    await send(page, 'a direct hello');

    // Dan sees the room called by Cho's name, with the message; and answers.
    await openRoom(dan.page, cho.displayName);
    await shown(message(dan.page, 'a direct hello'));
    await send(dan.page, 'a direct answer');
    await shown(message(page, 'a direct answer'));

    // From a member's name in the group: the same direct room (one per pair).
    await openRoom(dan.page, group);
    await dan.page.getByRole('button', { name: 'Members', exact: true }).click();
    await dan.page
      .locator(`[data-user="${cho.username}"]`)
      .getByRole('button', { name: `Message ${cho.displayName}` })
      .click();
    await shown(dan.page.getByRole('heading', { name: cho.displayName }));
    expect(new URL(dan.page.url()).hash).toBe(new URL(directUrl).hash);
  }, 60_000);

  it('edits, deletes, replies, reacts and mentions, seen live by the other user on the other instance', async () => {
    await openRoom(cho.page, group);
    await openRoom(dan.page, group);
    // Edit.
    await send(cho.page, 'first draft');
    await shown(message(dan.page, 'first draft'));
    await edit(cho.page, 'first draft', 'final text');
    await shown(message(dan.page, 'final text').getByTestId('edited'));
    expect(await message(dan.page, 'first draft').count()).toBe(0);

    // Reply, with the quoted message.
    await act(dan.page, 'final text', 'Reply');
    await send(dan.page, 'a reply to it');
    const reply = message(cho.page, 'a reply to it');
    expect(await shown(reply.getByTestId('reply-quote'))).toContain('final text');

    // React from the picker (the keyboard lands on its first emoji; Escape closes it and
    // goes back to React); Cho sees the count.
    const picker = dan.page.getByRole('group', { name: 'Pick a reaction' });
    await act(dan.page, 'final text', 'React');
    await focused(picker.locator('button').first());
    await dan.page.keyboard.press('Escape');
    await picker.waitFor({ state: 'detached', timeout: UI_TIMEOUT });
    await focused(
      message(dan.page, 'final text').first().getByRole('button', { name: 'React', exact: true }),
    );
    await act(dan.page, 'final text', 'React');
    // Every emoji of the picker in colour: the text fonts come first, and Debian's (DejaVu
    // Sans) draws 😂 😮 😢 in outline, so the emoji font is asked for by name.
    const choices = picker.locator('button');
    await choices.nth(7).waitFor({ timeout: UI_TIMEOUT }); // the picker's eight
    expect(await choices.count()).toBe(8);
    for (const choice of await choices.all())
      expect([...(await renderedFonts(dan.page, choice)).keys()]).toEqual(['Noto Color Emoji']);
    await picker.locator('[data-emoji="🎉"]').click();
    const chip = message(cho.page, 'final text').locator('.reaction[data-emoji="🎉"]');
    await showsText(chip, '🎉 1');
    // The count beside it stays in the text font.
    const chipFonts = [...(await renderedFonts(cho.page, chip))];
    expect(chipFonts).toHaveLength(2);
    expect(chipFonts).toEqual(
      expect.arrayContaining([
        ['Noto Color Emoji', 1],
        [expect.not.stringMatching(/Emoji/), 2],
      ]),
    );
    // Who reacted is in the button's name, not only in a mouse's tooltip.
    await shown(
      message(cho.page, 'final text').getByRole('button', {
        name: `🎉 1: ${dan.displayName}`,
        exact: true,
      }),
    );

    // Mention with autocomplete; Dan, in another room meanwhile, sees a mention count.
    await openRoom(dan.page, cho.displayName);
    const field = cho.page.getByLabel('Message', { exact: true });
    await field.pressSequentially(`hey @${dan.username.slice(0, 5)}`);
    await cho.page.getByRole('option', { name: new RegExp(`@${dan.username}`) }).waitFor();
    await field.press('Enter');
    expect(await field.inputValue()).toBe(`hey @${dan.username} `);
    await field.pressSequentially('look at this');
    await field.press('Enter');
    await showsText(room(dan.page, group).getByTestId('mentions'), '@1 mentioning you');
    await openRoom(dan.page, group);
    await shown(message(dan.page, 'look at this').locator('mark.mention.me'));

    // Delete: gone for Dan too, live.
    await act(cho.page, 'final text', 'Delete');
    await cho.page.getByRole('button', { name: 'Delete for everyone' }).click();
    await shown(dan.page.locator('[data-deleted="true"]').getByText('Message deleted'));
    expect(await message(dan.page, 'final text').locator('.bubble').count()).toBe(0);
  }, 90_000);

  it('offline then online again with a send in between: every message and change in place, no spinner', async () => {
    await openRoom(dan.page, group);
    await dan.page.context().setOffline(true);
    await shown(dan.page.getByTestId('connection-banner'));
    await send(dan.page, 'written while offline');
    // Meanwhile Cho sends and edits: Dan's socket misses both.
    await send(cho.page, 'sent while Dan was away');
    await edit(cho.page, 'read me please', 'read me please (edited)');
    await shown(message(cho.page, 'read me please (edited)').getByTestId('edited'));

    await dan.page.context().setOffline(false);
    await showsText(
      message(dan.page, 'written while offline').getByTestId('message-state'),
      '· Sent',
      30_000,
    );
    await shown(message(dan.page, 'sent while Dan was away'));
    await shown(message(dan.page, 'read me please (edited)').getByTestId('edited'));
    await dan.page
      .getByTestId('connection-banner')
      .waitFor({ state: 'hidden', timeout: UI_TIMEOUT });
    await dan.page.locator('[data-pending]').waitFor({ state: 'detached', timeout: UI_TIMEOUT });
    expect(await dan.page.getByText('Loading messages…').count()).toBe(0);
    const seqs = (await storedMessages(dan.page)).map((stored) => stored.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
    for (const text of await dan.page.getByRole('alert').allInnerTexts())
      expect(text).not.toMatch(/TypeError|Failed to fetch|Network error/);
    // Cho has it too.
    await shown(message(cho.page, 'written while offline'));
  }, 90_000);

  it('keeps a message written offline across a reload of the page, and sends it once connected', async () => {
    const page = dan.page;
    await openRoom(page, group);
    // From here the chat's connection cannot be made (WebSocket nor polling), while the
    // page and the REST API still load: the message waits through the reload.
    let connectable = false;
    const chatConnection = /\/socket\.io\//;
    await page.routeWebSocket(chatConnection, async (socket) => {
      if (connectable) socket.connectToServer();
      else await socket.close();
    });
    await page.route(chatConnection, (route) => (connectable ? route.fallback() : route.abort()));
    await page.context().setOffline(true);
    await shown(page.getByTestId('connection-banner'));
    await send(page, 'kept across a reload');
    await shown(message(page, 'kept across a reload'));
    await page.context().setOffline(false);

    // The page asks before it is left with a message not stored (a closed tab would lose
    // it); a reload keeps it.
    const asked = new Promise<string>((resolve) =>
      page.once('dialog', (dialog) => {
        resolve(dialog.type());
        void dialog.accept();
      }),
    );
    await page.reload();
    expect(await asked).toBe('beforeunload');
    await shown(page.getByRole('heading', { name: group }));
    await shown(message(page, 'kept across a reload'));
    expect(await message(page, 'kept across a reload').getAttribute('data-pending')).toMatch(
      /^(sending|failed)$/,
    );

    connectable = true;
    await showsText(
      message(page, 'kept across a reload').getByTestId('message-state'),
      '· Sent',
      30_000,
    );
    await shown(message(cho.page, 'kept across a reload'));
    const { items } = await choRest.call<{ items: { body: string }[] }>(
      'GET',
      `/api/rooms/${groupId}/messages?limit=50`,
    );
    expect(items.filter((item) => item.body === 'kept across a reload')).toHaveLength(1);
    expect(await message(page, 'kept across a reload').count()).toBe(1);
    await page.unrouteAll();
  }, 90_000);

  it('searches messages across rooms and jumps to one beyond the loaded page', async () => {
    const needle = `바늘 needle ${suffix}`;
    // A long unbroken word found too: it wraps in its result, the list never scrolls sideways.
    await choRest.say(groupId, `바늘${'z'.repeat(300)}`);
    await choRest.say(groupId, needle);
    await choRest.say(groupId, ...Array.from({ length: 60 }, (_, index) => `filler ${index}`));
    // Cho, after a reload, holds only the group's latest page: the needle is older.
    const page = cho.page;
    await openRoom(page, dan.displayName);
    await page.reload();
    await shown(page.getByRole('heading', { name: dan.displayName }));
    await page.getByRole('button', { name: 'Search messages' }).click();
    const dialog = page.getByRole('dialog', { name: 'Search messages' });
    await dialog.getByLabel('Words in a message').fill('바늘');
    await shown(dialog.getByTestId('search-results'));
    await shown(dialog.getByTestId('search-results').getByRole('button', { name: /바늘z/ }));
    expect(
      await dialog
        .getByTestId('search-results')
        .evaluate((list) => list.scrollWidth <= list.clientWidth),
    ).toBe(true);
    // Only in the room open behind the dialog (the direct one): the needle is elsewhere.
    await dialog.getByLabel(`Only in ${dan.displayName}`).check();
    await showsText(dialog.getByRole('status'), 'No messages found.');
    await dialog.getByLabel(`Only in ${dan.displayName}`).uncheck();
    const result = dialog
      .getByTestId('search-results')
      .getByRole('button', { name: new RegExp(needle) });
    // What the query matched is marked in the result.
    await shown(result);
    expect(await result.locator('mark').allInnerTexts()).toEqual(['바늘']);
    await result.click();
    await shown(page.getByRole('heading', { name: group }));
    const found = page.locator('.message.focused').filter({ hasText: needle });
    await shown(found);
    const inView = await found.evaluate((element) => {
      const box = element.getBoundingClientRect();
      return box.top >= 0 && box.bottom <= window.innerHeight;
    });
    expect(inView).toBe(true);
  }, 60_000);

  it('opens a long message found by search unfolded, what matched being far into it', async () => {
    const needle = `far needle ${suffix}`;
    await choRest.say(groupId, `${'a long way in. '.repeat(150)}${needle}`);
    const page = cho.page;
    await page.getByRole('button', { name: 'Search messages' }).click();
    const dialog = page.getByRole('dialog', { name: 'Search messages' });
    await dialog.getByLabel('Words in a message').fill(needle);
    const result = dialog.getByTestId('search-results').getByRole('button', { name: /far needle/ });
    await shown(result);
    // The result shows the part around the match, cut before it.
    expect(await result.getByTestId('search-excerpt').innerText()).toMatch(/^…/);
    await result.click();
    const found = page.locator('.message.focused');
    await shown(found);
    await shown(found.getByRole('button', { name: 'Show less' }));
    expect(await found.locator('.bubble.collapsed').count()).toBe(0);
  }, 60_000);

  it('offers a member after @ by a word of the display name, and says why an edit to nothing cannot be saved', async () => {
    const page = cho.page;
    await openRoom(page, group);
    const composer = page.getByLabel('Message', { exact: true });
    await composer.fill('hi @단');
    const suggestions = page.getByRole('listbox', { name: 'People to mention' });
    await shown(suggestions.getByRole('option', { name: new RegExp(`@${dan.username}`) }));
    await composer.press('Enter');
    expect(await composer.inputValue()).toBe(`hi @${dan.username} `);
    await composer.fill('');

    const text = `to be emptied ${suffix}`;
    await choRest.say(groupId, text);
    await shown(message(page, text));
    await startEdit(page, text);
    await composer.fill('   ');
    await shown(page.getByTestId('empty-edit'));
    expect(await page.getByRole('button', { name: 'Save' }).isDisabled()).toBe(true);
    await composer.press('Escape');
    await page.getByTestId('empty-edit').waitFor({ state: 'detached', timeout: UI_TIMEOUT });
    expect(await message(page, text).count()).toBe(1);
  }, 60_000);

  it('highlights what the server counts as a mention: not an address, a name without its full stop', async () => {
    await openRoom(dan.page, group);
    await choRest.say(groupId, `mail ${dan.username}@${cho.username} or thank @${dan.username}.`);
    const item = message(dan.page, `mail ${dan.username}@`);
    // The server found one mention, of Dan: the highlight is that one and only that one.
    await shown(item.locator('mark.mention.me'));
    expect(await item.getAttribute('class')).toContain('mentions-me');
    expect(await item.locator('mark.mention').allInnerTexts()).toEqual([`@${dan.username}`]);
  }, 60_000);

  it('shows the quote of a reply not acknowledged yet, as once it is stored', async () => {
    await openRoom(dan.page, group);
    await choRest.say(groupId, 'quote me while offline');
    await shown(message(dan.page, 'quote me while offline'));
    await dan.page.context().setOffline(true);
    try {
      await shown(dan.page.getByTestId('connection-banner'));
      await act(dan.page, 'quote me while offline', 'Reply');
      await send(dan.page, 'a reply written offline');
      const pending = dan.page
        .locator('[data-pending]')
        .filter({ hasText: 'a reply written offline' });
      expect(await shown(pending.getByTestId('reply-quote'))).toContain('quote me while offline');
    } finally {
      // Back online even when it failed: the next tests need Dan connected.
      await dan.page.context().setOffline(false);
    }
    const stored = dan.page
      .locator('[data-seq]')
      .filter({ hasText: 'a reply written offline' })
      .getByTestId('reply-quote');
    expect(await shown(stored, 30_000)).toContain('quote me while offline');
  }, 60_000);

  it('keeps a reply a reply across a reload of the page, and tells nobody "typing" for an edit', async () => {
    await openRoom(cho.page, group);
    await openRoom(dan.page, group);
    await choRest.say(groupId, 'reply to me after a reload');
    await shown(message(dan.page, 'reply to me after a reload'));
    await act(dan.page, 'reply to me after a reload', 'Reply');
    await dan.page.getByLabel('Message', { exact: true }).fill('written before the reload');
    await dan.page.reload();
    // Its author's name comes with the room's members, a moment after the note shows.
    const replyNote = dan.page
      .getByTestId('draft-note')
      .filter({ hasText: 'Replying to Cho 조민서' });
    expect(await shown(replyNote)).toContain('Replying to Cho 조민서: reply to me after a reload');
    await dan.page.getByLabel('Message', { exact: true }).press('Enter');
    const quote = cho.page
      .locator('[data-seq]')
      .filter({ hasText: 'written before the reload' })
      .getByTestId('reply-quote');
    expect(await shown(quote)).toContain('reply to me after a reload');

    // An edit, typed key by key: Cho hears it once stored, and never hears Dan typing
    // (a typing event would have come before the edit, through the same ordered topic).
    // First the typing of the reply ends, which the reload left to run out by itself.
    const typing = cho.page.getByTestId('typing');
    await cho.page.waitForFunction(
      () => document.querySelector('[data-testid="typing"]')?.textContent === '',
      undefined,
      { timeout: UI_TIMEOUT },
    );
    await act(dan.page, 'written before the reload', 'Edit');
    const composer = dan.page.getByLabel('Message', { exact: true });
    await focused(composer);
    await composer.press('Control+End');
    await composer.pressSequentially(' (and edited)');
    await composer.press('Enter');
    await shown(message(cho.page, 'written before the reload (and edited)').getByTestId('edited'));
    expect(await typing.textContent()).toBe('');
  }, 60_000);

  it('opens a room scrolled up where it was left, when nothing came meanwhile', async () => {
    const name = `scrolled ${suffix}`;
    const roomId = await choRest.createRoom(name, [danId]);
    await choRest.say(
      roomId,
      ...Array.from(
        { length: 25 },
        (_, n) => `scrolled line ${n + 1} ${'and more words '.repeat(6)}`,
      ),
    );
    await openRoom(dan.page, name);
    await shown(message(dan.page, 'scrolled line 25 '));
    const list = dan.page.getByTestId('messages');
    /** The first message at least partly in view, and how far the list is from its end. */
    const view = () =>
      list.evaluate((element) => {
        const top = element.getBoundingClientRect().top;
        const first = [...element.querySelectorAll<HTMLElement>(':scope > [data-seq]')].find(
          (item) => item.getBoundingClientRect().bottom > top,
        );
        return {
          firstSeq: first?.dataset['seq'],
          fromEnd: element.scrollHeight - element.clientHeight - element.scrollTop,
        };
      });
    // Read to the end (it opened at the first unread), then scrolled back up a little way
    // from the top, as a reader does.
    await readToEndThenScrollTo(dan.page, 60);
    const before = await view();
    await openRoom(dan.page, group);
    await openRoom(dan.page, name);
    await shown(message(dan.page, 'scrolled line 25 '));
    // Where it was, by its first message in view (the "new messages" divider above it may
    // have gone meanwhile), not at the end.
    const after = await view();
    expect(after.firstSeq).toBe(before.firstSeq);
    expect(after.fromEnd).toBeGreaterThan(1_000);
  }, 60_000);

  it("an edit that adds or takes out a mention of me changes that room's mention count live", async () => {
    const elsewhere = `elsewhere ${suffix}`;
    await choRest.createRoom(elsewhere, [danId]);
    await openRoom(dan.page, group);
    await openRoom(dan.page, elsewhere);
    const sent = await choRest.call<{ seq: number }>('POST', `/api/rooms/${groupId}/messages`, {
      clientMsgId: randomUUID(),
      body: 'who is coming?',
    });
    await showsText(room(dan.page, group).getByTestId('unread'), '1 unread');
    expect(await room(dan.page, group).getByTestId('mentions').count()).toBe(0);
    const path = `/api/rooms/${groupId}/messages/${sent.seq}`;
    await choRest.call('PATCH', path, { body: `who is coming? @${dan.username}` });
    await showsText(room(dan.page, group).getByTestId('mentions'), '@1 mentioning you');
    await choRest.call('PATCH', path, { body: 'who is coming? anyone' });
    await room(dan.page, group)
      .getByTestId('mentions')
      .waitFor({ state: 'detached', timeout: UI_TIMEOUT });
    await showsText(room(dan.page, group).getByTestId('unread'), '1 unread');
    // Deleted, it is nothing to read: the count goes, live.
    await choRest.call('DELETE', path);
    await room(dan.page, group)
      .getByTestId('unread')
      .waitFor({ state: 'detached', timeout: UI_TIMEOUT });
  }, 60_000);

  it('a reply to, or an edit of, a message deleted meanwhile ends, and its text goes with it', async () => {
    await openRoom(cho.page, group);
    await openRoom(dan.page, group);
    await send(cho.page, 'soon gone');
    await shown(message(dan.page, 'soon gone'));
    await act(dan.page, 'soon gone', 'Reply');
    expect(await shown(dan.page.getByTestId('draft-note'))).toContain('soon gone');
    await act(cho.page, 'soon gone', 'Delete');
    await cho.page.getByRole('button', { name: 'Delete for everyone' }).click();
    await dan.page.getByTestId('draft-note').waitFor({ state: 'detached', timeout: UI_TIMEOUT });
    expect(await dan.page.getByText('soon gone').count()).toBe(0);

    // Cho starts editing a message of hers; it is deleted elsewhere (her other tab, say).
    await send(cho.page, 'edit me, then lose me');
    await startEdit(cho.page, 'edit me, then lose me');
    const composer = cho.page.getByLabel('Message', { exact: true });
    const seq = await message(cho.page, 'edit me, then lose me').first().getAttribute('data-seq');
    await choRest.call('DELETE', `/api/rooms/${groupId}/messages/${String(seq)}`);
    await cho.page.getByTestId('draft-note').waitFor({ state: 'detached', timeout: UI_TIMEOUT });
    // Not left in the field to be sent as a new message.
    expect(await composer.inputValue()).toBe('');
  }, 60_000);
  it('an edit left for another room is still there on coming back, with what was typed, and saves', async () => {
    const other = `another room ${suffix}`;
    await choRest.createRoom(other, [danId]);
    await openRoom(cho.page, group);
    await send(cho.page, 'edit me across rooms');
    await startEdit(cho.page, 'edit me across rooms');
    const composer = cho.page.getByLabel('Message', { exact: true });
    await composer.fill('edited across rooms');

    await openRoom(cho.page, other);
    expect(await composer.inputValue()).toBe('');
    await openRoom(cho.page, group);
    expect(await shown(cho.page.getByTestId('draft-note'))).toContain('Editing your message');
    await shown(cho.page.getByRole('button', { name: 'Save', exact: true }));
    await cho.page.waitForFunction(
      () => document.querySelector('textarea')?.value === 'edited across rooms',
      undefined,
      { timeout: UI_TIMEOUT },
    );
    await composer.press('Enter');
    await shown(message(cho.page, 'edited across rooms').getByTestId('edited'));
    await cho.page.getByTestId('draft-note').waitFor({ state: 'detached', timeout: UI_TIMEOUT });
    expect(await composer.inputValue()).toBe('');
  }, 60_000);

  it('a direct room whose other member deleted the account offers no composer', async () => {
    const gone = await RestUser.signUp(`gone_${suffix}`, 'Gone 간');
    const { id: roomId } = await gone.call<{ id: string }>('POST', '/api/rooms/direct', {
      userId: danId,
    });
    await gone.say(roomId, 'goodbye, then');
    await openRoom(dan.page, 'Gone 간');
    await shown(message(dan.page, 'goodbye, then'));
    expect(await dan.page.getByLabel('Message', { exact: true }).count()).toBe(1);
    // Dan is in the message box when it goes.
    await dan.page.getByLabel('Message', { exact: true }).focus();
    await gone.call('DELETE', '/api/users/me');
    await shown(dan.page.getByTestId('alone-note'));
    expect(await dan.page.getByLabel('Message', { exact: true }).count()).toBe(0);
    // The keyboard is left in the room, at its title, not on the page.
    await dan.page.waitForFunction(
      () => document.activeElement?.id.startsWith('room-title-') === true,
      undefined,
      { timeout: UI_TIMEOUT },
    );
    // Called so in the room's heading and in the list, not "Direct message".
    await shown(dan.page.getByRole('heading', { name: 'Deleted account' }));
    await shown(room(dan.page, 'Deleted account'));
  }, 60_000);
});
