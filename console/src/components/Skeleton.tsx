/** Placeholders of the final size while data loads, so nothing jumps when it arrives. */

/** Placeholder rows of fixed height while a table loads. */
export function SkeletonRows({ rows, columns }: { rows: number; columns: number }) {
  return (
    <>
      {Array.from({ length: rows }, (_, r) => (
        <tr class="skeleton-row" aria-hidden="true" key={`s${r}`}>
          {Array.from({ length: columns }, (_, c) => (
            <td key={c}>
              <span class="skeleton" />
            </td>
          ))}
        </tr>
      ))}
    </>
  );
}

export function SkeletonBlock({ lines = 3 }: { lines?: number }) {
  return (
    <div class="skeleton-block" aria-hidden="true">
      {Array.from({ length: lines }, (_, i) => (
        <span class="skeleton" key={i} />
      ))}
    </div>
  );
}

/** Placeholder cards of fixed height while a card list loads. */
export function SkeletonCards({ count = 2 }: { count?: number }) {
  return (
    <div aria-hidden="true">
      {Array.from({ length: count }, (_, i) => (
        <SkeletonCard key={i} />
      ))}
    </div>
  );
}

/** One card's place while it loads. */
export function SkeletonCard() {
  return (
    <div class="card pg-card-skeleton" aria-hidden="true">
      <span class="skeleton" />
    </div>
  );
}

/** Says "Loading…" to screen readers while the skeleton shows. */
export function LoadingNote({ loading, what }: { loading: boolean; what: string }) {
  return <span class="visually-hidden" aria-live="polite">{loading ? `Loading ${what}…` : ''}</span>;
}
