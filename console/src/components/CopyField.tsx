import type { ComponentChildren, JSX } from 'preact';
import { useId, useRef, useState } from 'preact/hooks';

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

/** A copy field's place while its value loads: the same size, so what is under it does not move. */
export function CopyFieldLoading(props: { label: string; copyLabel: string; what: string }): JSX.Element {
  return (
    <div class="pg-copy pg-copy-loading">
      <span class="visually-hidden" role="status">
        Loading {props.what}…
      </span>
      <div aria-hidden="true">
        <span class="pg-copy-label">{props.label}</span>
        <div class="pg-copy-row">
          <span class="pg-copy-fake" />
          <span class="btn pg-copy-fake-btn">{props.copyLabel}</span>
        </div>
        <p class="hint">{'\u00a0'}</p>
        <p class="pg-copy-status" />
      </div>
    </div>
  );
}
