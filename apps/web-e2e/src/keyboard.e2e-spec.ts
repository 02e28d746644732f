import { randomUUID } from 'node:crypto';
import type { Browser } from 'playwright-core';
import {
  focused,
  launchChromium,
  message,
  openPerson,
  room,
  shown,
  showsText,
  UI_TIMEOUT,
  type Person,
} from './browser';
import { EDGE, LocalStack } from './local-stack';
import { logIn, RestUser } from './rest-user';

/**
 * What someone on a keyboard alone meets: where the focus goes when a panel, a dialog or a
 * form step is done, and what Enter and Escape do in them.
 */
describe('the web app by keyboard', () => {
  let stack: LocalStack;
  let browser: Browser;
  const suffix = randomUUID().slice(0, 6);
  let ann: Person;
  let annRest: RestUser;
  /** People Ann finds and adds; the two "car" ones share the start of their names. */
  const ben = { username: `ben_${suffix}`, displayName: 'Ben Keys', id: '' };
  const cara = { username: `cara_${suffix}`, displayName: 'Cara Keys', id: '' };
  const carl = { username: `carl_${suffix}`, displayName: 'Carl Keys', id: '' };
  /** Someone in none of Ann's rooms: found by the members panel's search. */
  const eve = { username: `eve_${suffix}`, displayName: 'Eve Keys', id: '' };

  beforeAll(async () => {
    stack = await LocalStack.start();
    browser = await launchChromium();
    ann = await openPerson(browser, `ann_${suffix}`, 'Ann Keys', 1, { width: 1280, height: 800 });
    annRest = await RestUser.signUp(ann.username, ann.displayName);
    for (const person of [ben, cara, carl, eve])
      person.id = await (await RestUser.signUp(person.username, person.displayName)).userId();
    await logIn(ann);
  }, 200_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  }, 120_000);

  it('Enter in the people search of "New room" adds the person picked with the arrow keys, and does not create the room', async () => {
    const page = ann.page;
    await page.getByRole('button', { name: '+ New room' }).click();
    const dialog = page.getByRole('dialog', { name: 'New room' });
    const name = `enter ${suffix}`;
    await dialog.getByLabel('Room name').fill(name);
    const search = dialog.getByLabel('Add people');
    const chips = dialog.getByRole('list', { name: 'People to add' });

    // Nothing found yet: Enter does nothing, and the room is not made without anyone.
    await search.press('Enter');
    // A full username: the one result, picked with Enter alone.
    await search.fill(ben.username);
    await shown(dialog.getByRole('option', { name: new RegExp(`@${ben.username}`) }));
    await search.press('Enter');
    await shown(chips.getByText(ben.displayName));
    await focused(search);

    // Two results: the second, by the arrow keys, then the first.
    await search.fill('car');
    const results = dialog.getByRole('listbox', { name: 'Search results' }).getByRole('option');
    await results.nth(1).waitFor();
    const [first, second] = (await results.allInnerTexts()).map((text) =>
      text.includes(cara.username) ? cara : carl,
    );
    await search.press('ArrowDown');
    await search.press('Enter');
    await shown(chips.getByText(second?.displayName ?? ''));
    await search.fill('car');
    await shown(dialog.getByRole('option', { name: new RegExp(`@${first?.username}`) }));
    await search.press('ArrowDown');
    await search.press('ArrowUp');
    await search.press('Enter');
    await shown(chips.getByText(first?.displayName ?? ''));
    expect(await chips.getByRole('listitem').count()).toBe(3);

    await dialog.getByRole('button', { name: 'Create room' }).click();
    await shown(room(page, name));
    await showsText(page.getByTestId('member-count'), '4 members');
  }, 90_000);

  /** A room of Ann's with the three others, open on her page; its "Members" button. */
  async function roomWithMembers(name: string) {
    const roomId = await annRest.createRoom(`${name} ${suffix}`, [ben.id, cara.id, carl.id]);
    const page = ann.page;
    await page.goto(`${EDGE}/#/rooms/${roomId}`);
    await showsText(page.getByTestId('member-count'), '4 members');
    // Enabled once the room's details (its members) are loaded.
    const membersButton = page.getByRole('button', {
      name: 'Members',
      exact: true,
      disabled: false,
    });
    await membersButton.waitFor();
    return {
      roomId,
      page,
      membersButton,
      panel: page.getByRole('complementary', { name: 'Members' }),
    };
  }

  it('the members panel closed by its × gives the focus back to "Members"', async () => {
    const { membersButton, panel } = await roomWithMembers('close');
    await membersButton.press('Enter');
    await panel.getByRole('button', { name: 'Close members' }).press('Enter');
    await panel.waitFor({ state: 'detached' });
    await focused(membersButton);
  }, 90_000);

  it('Escape in the members panel closes it, and the focus is back on "Members"', async () => {
    const { membersButton, panel } = await roomWithMembers('escape');
    await membersButton.press('Enter');
    await panel.getByLabel('Add a member').press('Escape');
    await panel.waitFor({ state: 'detached' });
    await focused(membersButton);
  }, 90_000);

  it('a member removed by keyboard leaves the focus on the next Remove, else the one before, else the heading', async () => {
    const { page, membersButton, panel } = await roomWithMembers('remove');
    await membersButton.press('Enter');
    const removes = panel.getByTestId('remove-member');
    await removes.nth(2).waitFor();
    // The names in the panel's order.
    const names = (await removes.allInnerTexts()).map((text) => text.replace(/^Remove\s*/, ''));
    const remove = async (who: string) => {
      await panel.getByRole('button', { name: `Remove ${who}` }).press('Enter');
      const confirm = page.getByRole('dialog', { name: new RegExp(`^Remove ${who}`) });
      await confirm.getByRole('button', { name: 'Remove', exact: true }).press('Enter');
      await panel.getByRole('button', { name: `Remove ${who}` }).waitFor({ state: 'detached' });
    };
    await remove(names[0] ?? '');
    await focused(panel.getByRole('button', { name: `Remove ${names[1]}` }));
    await remove(names[2] ?? '');
    await focused(panel.getByRole('button', { name: `Remove ${names[1]}` }));
    await remove(names[1] ?? '');
    await focused(panel.getByRole('heading', { name: 'Members' }));
  }, 90_000);

  it('the people search is a combobox on its field, its results a listbox whose option the arrow keys are on is the active descendant', async () => {
    const page = ann.page;
    await page.getByRole('button', { name: '+ New room' }).click();
    const dialog = page.getByRole('dialog', { name: 'New room' });
    const search = dialog.getByRole('combobox', { name: 'Add people' });
    expect(await search.evaluate((element) => element.tagName)).toBe('INPUT');
    expect(await search.getAttribute('aria-expanded')).toBe('false');

    await search.fill('car');
    const listbox = dialog.getByRole('listbox', { name: 'Search results' });
    const options = listbox.getByRole('option');
    await options.nth(1).waitFor();
    expect(await search.getAttribute('aria-expanded')).toBe('true');
    expect(await search.getAttribute('aria-controls')).toBe(await listbox.getAttribute('id'));
    const ids = await options.evaluateAll((items) => items.map((item) => item.id));
    expect(ids).toHaveLength(2);
    /** The option told to be the active one, once the field and the options agree on it. */
    const fieldId = (await search.getAttribute('id')) ?? '';
    const activeIs = (wanted: string) =>
      page.waitForFunction(
        ({ fieldId, wanted }) => {
          const active = document.getElementById(fieldId)?.getAttribute('aria-activedescendant');
          const selected = [...document.querySelectorAll('[role="option"][aria-selected="true"]')];
          return active === wanted && selected.length === 1 && selected[0]?.id === wanted;
        },
        { fieldId, wanted },
        { timeout: UI_TIMEOUT },
      );
    await activeIs(ids[0] ?? '');
    await search.press('ArrowDown');
    await activeIs(ids[1] ?? '');
    await search.press('ArrowUp');
    await activeIs(ids[0] ?? '');
    // The keyboard stayed in the field all along.
    await focused(search);

    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'hidden', timeout: UI_TIMEOUT });
  }, 90_000);

  it('Escape in the search of the members panel clears the search first; only the next Escape closes the panel', async () => {
    const { membersButton, panel } = await roomWithMembers('search escape');
    await membersButton.press('Enter');
    const search = panel.getByRole('combobox', { name: 'Add a member' });
    await search.fill(eve.username);
    const results = panel.getByRole('listbox', { name: 'Search results' });
    await shown(results.getByRole('option', { name: new RegExp(`@${eve.username}`) }));

    await search.press('Escape');
    await results.waitFor({ state: 'hidden', timeout: UI_TIMEOUT });
    expect(await panel.count()).toBe(1);
    expect(await search.inputValue()).toBe('');
    expect(await search.getAttribute('aria-expanded')).toBe('false');
    await focused(search);

    await search.press('Escape');
    await panel.waitFor({ state: 'detached' });
    await focused(membersButton);

    // The same in a dialog: the first Escape clears the search, the next closes the dialog.
    const page = panel.page();
    await page.getByRole('button', { name: '+ Message someone' }).press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Message someone' });
    const find = dialog.getByRole('combobox', { name: 'Find a person' });
    await find.fill(eve.username);
    await shown(dialog.getByRole('option', { name: new RegExp(`@${eve.username}`) }));
    await find.press('Escape');
    await dialog.getByRole('listbox').waitFor({ state: 'hidden', timeout: UI_TIMEOUT });
    expect(await dialog.isVisible()).toBe(true);
    expect(await find.inputValue()).toBe('');
    await find.press('Escape');
    await dialog.waitFor({ state: 'hidden', timeout: UI_TIMEOUT });
  }, 90_000);

  it('a removal the server refuses is said, and the focus stays at the Remove buttons, even when the member left meanwhile', async () => {
    const { roomId, page, membersButton, panel } = await roomWithMembers('refused');
    await membersButton.press('Enter');
    const removes = panel.getByTestId('remove-member');
    await removes.nth(2).waitFor();
    const names = (await removes.allInnerTexts()).map((text) => text.replace(/^Remove\s*/, ''));
    const confirmRemoval = async (who: string, meanwhile?: () => Promise<void>) => {
      await panel.getByRole('button', { name: `Remove ${who}` }).press('Enter');
      const confirm = page.getByRole('dialog', { name: new RegExp(`^Remove ${who}`) });
      await confirm.waitFor();
      await meanwhile?.();
      await confirm.getByRole('button', { name: 'Remove', exact: true }).press('Enter');
      await confirm.waitFor({ state: 'detached' });
    };
    const alert = panel.getByRole('alert');
    const members = '**/api/rooms/*/members/*';
    // The server refuses every removal from now on.
    await page.route(members, (route) =>
      route.request().method() === 'DELETE'
        ? route.fulfill({
            status: 403,
            contentType: 'application/json',
            body: JSON.stringify({ statusCode: 403, error: 'Forbidden', message: 'Forbidden' }),
          })
        : route.continue(),
    );
    try {
      // The member leaves while Ann confirms: the row with the focus goes before the refusal.
      const leaver = [ben, cara, carl].find((person) => person.displayName === names[1]);
      await confirmRemoval(names[1] ?? '', async () => {
        await RestUser.of(leaver?.username ?? '').call(
          'DELETE',
          `/api/rooms/${roomId}/members/${leaver?.id ?? ''}`,
        );
        await panel.getByRole('button', { name: `Remove ${names[1]}` }).waitFor({
          state: 'detached',
        });
      });
      await focused(panel.getByRole('button', { name: `Remove ${names[2]}` }));
      await showsText(alert, `${names[1]} was not removed: You don't have access to that.`);

      // A member still there: the focus stays on their Remove.
      await confirmRemoval(names[0] ?? '');
      await showsText(alert, `${names[0]} was not removed: You don't have access to that.`);
      await focused(panel.getByRole('button', { name: `Remove ${names[0]}` }));
    } finally {
      await page.unroute(members);
    }
  }, 120_000);

  it('a signup refused for its fields puts the focus on the first field that is wrong', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const page = await context.newPage();
      await page.goto(EDGE);
      await page.getByRole('tab', { name: 'Sign up' }).click();
      const username = page.getByLabel('Username');
      const password = page.getByLabel('Password');
      const create = page.getByRole('button', { name: 'Create account' });
      await username.fill('no spaces allowed');
      await password.fill('short');
      await create.press('Enter');
      await shown(page.getByTestId('username-error'));
      await focused(username);

      await username.fill(`dee_${suffix}`);
      await create.press('Enter');
      await shown(page.getByTestId('password-error'));
      await focused(password);
    } finally {
      await context.close();
    }
  }, 90_000);

  it('a message found by search and chosen with Enter has the focus', async () => {
    const name = `search ${suffix}`;
    const roomId = await annRest.createRoom(name, [ben.id]);
    await annRest.say(roomId, 'a needle in the haystack', 'straw', 'more straw');
    const page = ann.page;
    await page.goto(`${EDGE}/#/rooms/${roomId}`);
    await shown(message(page, 'more straw'));

    await page.getByRole('button', { name: 'Search messages' }).press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Search messages' });
    await dialog.getByLabel('Words in a message').fill('needle');
    await dialog.getByTestId('search-results').getByRole('button').first().press('Enter');
    await dialog.waitFor({ state: 'detached' });
    await focused(message(page, 'a needle in the haystack'));
  }, 90_000);

  it('a direct room opened by keyboard from "Message someone" has the focus at its message box; looking oneself up says so', async () => {
    const page = ann.page;
    await page.getByRole('button', { name: '+ Message someone' }).press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Message someone' });
    const search = dialog.getByLabel('Find a person');
    // Looking herself up, Ann is told it is her, not that nobody matched.
    await search.fill(ann.username);
    await showsText(dialog.getByRole('status'), "That's you. Search for someone else.");
    await search.fill(carl.username);
    await shown(dialog.getByRole('option', { name: new RegExp(`@${carl.username}`) }));
    await search.press('Enter');
    await dialog.waitFor({ state: 'detached' });
    await shown(page.getByRole('heading', { name: carl.displayName }));
    await focused(page.getByLabel('Message', { exact: true }));
  }, 60_000);
});
