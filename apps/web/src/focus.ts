/**
 * Where the keyboard's focus goes, in the DOM (the browser tests in apps/web-e2e check it).
 */

/** A touch screen: focusing a text field there raises the on-screen keyboard. */
export function isTouchScreen(): boolean {
  return window.matchMedia('(pointer: coarse)').matches;
}

/** Whether the focus is nowhere: on the page itself, or on what is not shown. */
export function focusLost(): boolean {
  const active = document.activeElement;
  return active === null || active === document.body || active.getClientRects().length === 0;
}

/** A message in the message list (stored or being sent). */
export const MESSAGE = '[data-testid="message"]';
const INSIDE_A_MESSAGE = 'a[href], button';

/**
 * The message list is one stop for Tab (a roving tabindex, as in WAI-ARIA's composite
 * widgets): `active`, or the newest message when it is gone, can be tabbed to, and its own
 * buttons and links after it; every other message and everything in it only by the arrow
 * keys (`messageAfterKey`) or a click. Run after each render of the list: messages come
 * and go, and a new one's buttons start in the tab order.
 */
export function settleTabStops(list: HTMLElement, active: Element | null): void {
  const messages = list.querySelectorAll<HTMLElement>(MESSAGE);
  const current =
    active !== null && list.contains(active)
      ? active
      : (messages.item(messages.length - 1) ?? null);
  for (const message of messages) {
    // Written only where it changes: hundreds of messages, each render. The attribute, not
    // the property: an element without one reads -1 and is not focusable.
    const tabIndex = message === current ? '0' : '-1';
    if (message.getAttribute('tabindex') !== tabIndex) message.setAttribute('tabindex', tabIndex);
    for (const inner of message.querySelectorAll<HTMLElement>(INSIDE_A_MESSAGE))
      if (inner.getAttribute('tabindex') !== tabIndex) inner.setAttribute('tabindex', tabIndex);
  }
}

/**
 * The message the arrow keys, Home or End move to from `from` (a message or anything in
 * one), or undefined when the key does not move (another key, a modifier held, the end).
 */
export function messageAfterKey(
  list: HTMLElement,
  from: Element,
  key: { key: string; altKey: boolean; ctrlKey: boolean; metaKey: boolean; shiftKey: boolean },
): HTMLElement | undefined {
  if (key.altKey || key.ctrlKey || key.metaKey || key.shiftKey) return undefined;
  const messages = [...list.querySelectorAll<HTMLElement>(MESSAGE)];
  const at = messages.findIndex((message) => message === from.closest(MESSAGE));
  if (at < 0) return undefined;
  const to =
    key.key === 'ArrowUp'
      ? at - 1
      : key.key === 'ArrowDown'
        ? at + 1
        : key.key === 'Home'
          ? 0
          : key.key === 'End'
            ? messages.length - 1
            : at;
  return to === at ? undefined : messages[to];
}
