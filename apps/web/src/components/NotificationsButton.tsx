import { Icon } from './Icon';
import type { NotificationMode } from './use-notifications';

const LABELS: Record<Exclude<NotificationMode, 'unsupported'>, string> = {
  ask: 'Turn on notifications',
  off: 'Turn on notifications',
  on: 'Turn off notifications',
  blocked: "Notifications are blocked in this browser's site settings",
};

/** The bell in the header: the user's switch for system notifications (use-notifications.ts). */
export function NotificationsButton({
  mode,
  toggle,
}: {
  mode: NotificationMode;
  toggle: () => void;
}) {
  if (mode === 'unsupported') return null;
  const label = LABELS[mode];
  return (
    <button
      type="button"
      className="icon-button"
      title={label}
      aria-disabled={mode === 'blocked'}
      data-testid="notifications-toggle"
      data-mode={mode}
      onClick={mode === 'blocked' ? undefined : toggle}
    >
      <Icon name={mode === 'on' ? 'bell' : 'bell-off'} />
      <span className="sr-only">{label}</span>
    </button>
  );
}
