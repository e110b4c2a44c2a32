import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useId, useRef } from 'preact/hooks';
import { FormError } from './feedback.js';
import { useAction } from './hooks.js';

/**
 * A modal confirmation (`<dialog>`, opened with showModal so focus stays inside and Escape cancels).
 * Rendered only while open; Cancel has the focus first, so Enter never confirms by accident.
 * The confirm button runs `confirm` (disabled meanwhile); when it succeeds `onDone` is called (the
 * owner closes the dialog), when it fails its error is shown here and the dialog stays open.
 */
export function ConfirmDialog(props: {
  title: string;
  confirmLabel: string;
  confirm(): Promise<unknown>;
  onDone(): void;
  onCancel(): void;
  children?: ComponentChildren;
}): JSX.Element {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const cancelRef = useRef<HTMLButtonElement>(null);
  const action = useAction();
  useEffect(() => {
    const dialog = ref.current;
    if (dialog !== null && !dialog.open) dialog.showModal();
    cancelRef.current?.focus();
    return () => {
      if (dialog?.open === true) dialog.close();
    };
  }, []);
  const confirm = async () => {
    const done = await action.run(async () => {
      await props.confirm();
      return true;
    });
    if (done === true) props.onDone();
  };
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
      <FormError error={action.error} />
      <div class="pg-actions">
        <button type="button" class="btn" ref={cancelRef} onClick={props.onCancel}>
          Cancel
        </button>
        <button type="button" class="btn btn-danger" disabled={action.busy} onClick={() => void confirm()}>
          {props.confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
