import type { JSX } from 'preact';

/** A form's buttons: submit (disabled while it runs) and Cancel. */
export function FormActions(props: { submitLabel: string; busy: boolean; onCancel(): void }): JSX.Element {
  return (
    <div class="pg-actions">
      <button type="submit" class="btn btn-primary" disabled={props.busy}>
        {props.submitLabel}
      </button>
      <button type="button" class="btn" onClick={props.onCancel}>
        Cancel
      </button>
    </div>
  );
}
