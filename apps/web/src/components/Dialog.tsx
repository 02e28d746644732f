import { useEffect, useRef, type ReactNode } from 'react';
import { focusLost } from '../focus';

/**
 * A modal dialog on the native <dialog>: focus moves into it and is trapped by the
 * browser, Escape closes it, and focus goes back to where it was when it closes (unless
 * what closed it has put the focus somewhere already).
 */
export function Dialog({
  title,
  onClose,
  children,
}: {
  title: string;
  onClose: () => void;
  children: ReactNode;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    const previous = document.activeElement;
    dialog?.showModal();
    // showModal focuses the first focusable element (the close button): the first field
    // is where the user starts.
    dialog?.querySelector<HTMLElement>('input, textarea, select')?.focus();
    return () => {
      dialog?.close();
      // Only when the focus went with the dialog: what closed it may have put the focus
      // where the user goes next (a message found, a new room), in the same render.
      if (previous instanceof HTMLElement && focusLost()) previous.focus();
    };
  }, []);
  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby="dialog-title"
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
    >
      <header className="dialog-head">
        <h2 id="dialog-title">{title}</h2>
        <button type="button" className="icon-button" onClick={onClose} title="Close">
          <span aria-hidden="true">×</span>
          <span className="sr-only">Close</span>
        </button>
      </header>
      {children}
    </dialog>
  );
}

/** Asks before a step that cannot be taken back: `confirm` runs it, `cancel` or Escape does not. */
export function ConfirmDialog({
  title,
  text,
  cancel,
  confirm,
  onConfirm,
  onClose,
}: {
  title: string;
  text: string;
  cancel: string;
  confirm: string;
  onConfirm: () => void;
  onClose: () => void;
}) {
  return (
    <Dialog title={title} onClose={onClose}>
      <div className="dialog-body">
        <p>{text}</p>
        <div className="dialog-actions">
          <button type="button" className="secondary" onClick={onClose}>
            {cancel}
          </button>
          <button
            type="button"
            className="danger"
            onClick={() => {
              onClose();
              onConfirm();
            }}
          >
            {confirm}
          </button>
        </div>
      </div>
    </Dialog>
  );
}
