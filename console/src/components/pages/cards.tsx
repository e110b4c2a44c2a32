import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { apiSend } from '../../api.js';
import { ConfirmDialog } from '../ConfirmDialog.js';
import { Empty } from '../feedback.js';
import { SkeletonCards } from '../Skeleton.js';

/** The cards of a list (sources, destinations): placeholders while it loads, `empty` when there are none. */
export function CardList<T extends { id: string }>(props: {
  /** undefined while loading. */
  items: readonly T[] | undefined;
  /** The load failed: no placeholders (the error says why). */
  failed: boolean;
  label: string;
  empty: ComponentChildren;
  card(item: T): JSX.Element;
}): JSX.Element | null {
  const { items } = props;
  if (items === undefined) return props.failed ? null : <SkeletonCards />;
  if (items.length === 0) return <Empty>{props.empty}</Empty>;
  return (
    <ul class="pg-cards" aria-label={props.label}>
      {items.map((item) => (
        <li key={item.id}>{props.card(item)}</li>
      ))}
    </ul>
  );
}

/**
 * One item's card: its name as the heading, a badge beside it. Opened at its own URL (`focused`), it
 * is scrolled into view and its heading takes the focus.
 */
export function ItemCard(props: { name: string; badge: JSX.Element; focused: boolean; children: ComponentChildren }): JSX.Element {
  const id = useId();
  const card = useRef<HTMLElement>(null);
  useEffect(() => {
    if (!props.focused) return;
    card.current?.scrollIntoView({ block: 'start' });
    card.current?.querySelector<HTMLElement>('h2')?.focus({ preventScroll: true });
  }, [props.focused]);
  return (
    <article ref={card} class={props.focused ? 'card pg-card pg-card-focused' : 'card pg-card'} aria-labelledby={`${id}-name`}>
      <header class="pg-card-head">
        <h2 id={`${id}-name`} class="pg-card-title" tabIndex={-1}>
          {props.name}
        </h2>
        {props.badge}
      </header>
      {props.children}
    </article>
  );
}

/** One fact in a `dl.pg-facts`: `wide` takes the whole row, `breakAnywhere` wraps long unbroken values. */
export function Fact(props: { term: string; wide?: boolean; breakAnywhere?: boolean; children: ComponentChildren }): JSX.Element {
  return (
    <div class={props.wide === true ? 'pg-fact-wide' : undefined}>
      <dt>{props.term}</dt>
      <dd class={props.breakAnywhere === true ? 'pg-break' : undefined}>{props.children}</dd>
    </div>
  );
}

/**
 * An item's "Delete" button and its confirmation ("Delete <name>?", `children` saying what follows,
 * then `confirmLabel`): DELETE `path`, then `onDeleted`.
 */
export function DeleteButton(props: { name: string; confirmLabel: string; path: string; onDeleted(): void; children: ComponentChildren }): JSX.Element {
  const [confirming, setConfirming] = useState(false);
  return (
    <>
      <button type="button" class="btn btn-danger" onClick={() => setConfirming(true)}>
        Delete
      </button>
      {confirming ? (
        <ConfirmDialog
          title={`Delete ${props.name}?`}
          confirmLabel={props.confirmLabel}
          confirm={() => apiSend('DELETE', props.path)}
          onDone={() => {
            setConfirming(false);
            props.onDeleted();
          }}
          onCancel={() => setConfirming(false)}
        >
          {props.children}
        </ConfirmDialog>
      ) : null}
    </>
  );
}
