import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { FormError } from './feedback.js';

/**
 * A modal confirmation (`<dialog>`, opened with showModal so focus stays inside and Escape cancels).
 * Rendered only while open; Cancel has the focus first, so Enter never confirms by accident.
 */
export function ConfirmDialog(props: {
  title: string;
  confirmLabel: string;
  busy?: boolean;
  error?: unknown;
  onConfirm(): void;
  onCancel(): void;
  children?: ComponentChildren;
}): JSX.Element {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const cancelRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog !== null && !dialog.open) dialog.showModal();
    cancelRef.current?.focus();
    return () => {
      if (dialog?.open === true) dialog.close();
    };
  }, []);
  return (
    <dialog
      ref={ref}
      class="pg-dialog"
      aria-labelledby={titleId}
      onCancel={(event) => {
        event.preventDefault();
        props.onCancel();
      }}
    >
      <h2 id={titleId}>{props.title}</h2>
      {props.children}
      <FormError error={props.error} />
      <div class="pg-actions">
        <button type="button" class="btn" ref={cancelRef} onClick={props.onCancel}>
          Cancel
        </button>
        <button type="button" class="btn btn-danger" disabled={props.busy === true} onClick={props.onConfirm}>
          {props.confirmLabel}
        </button>
      </div>
    </dialog>
  );
}

/**
 * A value to paste elsewhere (a webhook URL, a secret, a token): a readonly input labelled `label`
 * and a button that copies it. Where the clipboard is not allowed (plain http, an old browser) the
 * text is selected instead, and the page says to press Ctrl+C.
 */
export function CopyField(props: { label: string; value: string; copyLabel: string; hint?: ComponentChildren }): JSX.Element {
  const id = useId();
  const hintId = useId();
  const input = useRef<HTMLInputElement>(null);
  const [status, setStatus] = useState('');
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.value);
      setStatus('Copied.');
    } catch {
      input.current?.focus();
      input.current?.select();
      setStatus('The browser does not allow copying here: the text is selected, press Ctrl+C (⌘C on a Mac).');
    }
  };
  return (
    <div class="pg-copy">
      <label for={id}>{props.label}</label>
      <div class="pg-copy-row">
        <input
          id={id}
          ref={input}
          type="text"
          readOnly
          value={props.value}
          spellcheck={false}
          autoComplete="off"
          aria-describedby={props.hint === undefined ? undefined : hintId}
          onFocus={(event) => event.currentTarget.select()}
        />
        <button type="button" class="btn" onClick={() => void copy()}>
          {props.copyLabel}
        </button>
      </div>
      {props.hint === undefined ? null : (
        <p class="hint" id={hintId}>
          {props.hint}
        </p>
      )}
      <p class="pg-copy-status" role="status">
        {status}
      </p>
    </div>
  );
}
