import type { JSX } from 'preact';
import { useState } from 'preact/hooks';

/** Where a cursor-paged list is: the cursor of the page shown (undefined for the first) and how to move. */
export interface CursorPaging {
  cursor: string | undefined;
  /** 1 for the first page. */
  page: number;
  previous(): void;
  next(cursor: string): void;
  first(): void;
}

/**
 * Paging through a list by its API cursors (`nextCursor`), remembering the pages before to go back.
 * A new `key` (other filters) starts again at the first page, in the same render, so no request ever
 * mixes an old cursor with new filters.
 */
export function useCursorPaging(key = ''): CursorPaging {
  const [state, setState] = useState<{ key: string; cursors: string[] }>({ key, cursors: [] });
  const cursors = state.key === key ? state.cursors : [];
  const change = (next: (cursors: string[]) => string[]) => setState((s) => ({ key, cursors: next(s.key === key ? s.cursors : []) }));
  return {
    cursor: cursors[cursors.length - 1],
    page: cursors.length + 1,
    previous: () => change((c) => c.slice(0, -1)),
    next: (cursor) => change((c) => [...c, cursor]),
    first: () => change(() => []),
  };
}

/** "Previous" and "Next" under a list, each shown only when there is such a page. */
export function Pager(props: { paging: CursorPaging; nextCursor: string | null | undefined; previousLabel: string; nextLabel: string }): JSX.Element {
  const { paging, nextCursor } = props;
  return (
    <div class="pager">
      {paging.page > 1 ? (
        <button type="button" class="btn" onClick={paging.previous}>
          {props.previousLabel}
        </button>
      ) : null}
      {nextCursor ? (
        <button type="button" class="btn" onClick={() => paging.next(nextCursor)}>
          {props.nextLabel}
        </button>
      ) : null}
    </div>
  );
}
