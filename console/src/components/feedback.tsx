import type { ComponentChildren, JSX } from 'preact';
import { ApiError } from '../api.js';

/** The message to show for a failed call: the API's own words when it answered. */
export function errorText(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return `Something went wrong: ${error.message}`;
  return 'Something went wrong.';
}

/** Codes that name a field without saying so in `details.field`. */
const FIELD_OF_CODE: Record<string, string> = {
  LH_E_DESTINATION_URL_REFUSED: 'url',
  LH_E_FILTER_INVALID: 'filter',
  LH_E_FILTER_TOO_COSTLY: 'filter',
  LH_E_UNKNOWN_PROVIDER: 'provider',
};

/** Whether `error` is about the request field `name` (`events[0]` is about `events`). */
export function isFieldError(error: unknown, name: string): boolean {
  if (!(error instanceof ApiError)) return false;
  const field = error.field ?? FIELD_OF_CODE[error.code];
  if (field === undefined) return false;
  return field === name || field.startsWith(`${name}[`) || field.startsWith(`${name}.`);
}

/**
 * `aria-invalid` and `aria-describedby` for an input, when `error` is about its field; `hintId`, the
 * input's own hint, stays described. Spread it after the input's own `aria-describedby`.
 */
export function fieldProps(error: unknown, name: string, errorId: string, hintId?: string): { 'aria-invalid'?: true; 'aria-describedby'?: string } {
  if (!isFieldError(error, name)) return {};
  return { 'aria-invalid': true, 'aria-describedby': hintId === undefined ? errorId : `${hintId} ${errorId}` };
}

/** A form's or section's error, in the API's words; nothing when there is none. */
export function FormError(props: { error: unknown; id?: string }): JSX.Element | null {
  if (props.error === undefined || props.error === null) return null;
  return (
    <p class="alert alert-error" role="alert" id={props.id}>
      {errorText(props.error)}
    </p>
  );
}

/** What an action just did ("Token revoked."), said politely (role=status); nothing when there is nothing to say. */
export function SuccessNote(props: { children: ComponentChildren }): JSX.Element | null {
  if (props.children === null || props.children === undefined || props.children === '') return null;
  return (
    <p class="alert alert-success" role="status">
      {props.children}
    </p>
  );
}

/** A list that has nothing to show yet, said plainly. */
export function Empty(props: { children: ComponentChildren }): JSX.Element {
  return <p class="empty">{props.children}</p>;
}
