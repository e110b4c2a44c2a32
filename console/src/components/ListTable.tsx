import type { ComponentChildren, JSX } from 'preact';
import { Empty } from './feedback.js';
import { SkeletonRows } from './Skeleton.js';

/**
 * A list as a table: skeleton rows while it loads (none when the load failed: the error says why),
 * and `empty` in place of the table when there is nothing to list.
 */
export function ListTable<T>(props: {
  /** undefined while loading. */
  items: readonly T[] | undefined;
  failed?: boolean;
  headings: readonly string[];
  /** A last column for each row's buttons, headed "Actions" for screen readers only. */
  actions?: boolean;
  skeletonRows?: number;
  empty: ComponentChildren;
  class?: string;
  busy?: boolean;
  /** One row (with its key). */
  row(item: T, index: number): JSX.Element;
}): JSX.Element {
  const { items } = props;
  if (items !== undefined && items.length === 0) return <Empty>{props.empty}</Empty>;
  const columns = props.headings.length + (props.actions === true ? 1 : 0);
  return (
    <div class="table-wrap">
      <table class={props.class === undefined ? 'data' : `data ${props.class}`} aria-busy={props.busy}>
        <thead>
          <tr>
            {props.headings.map((heading) => (
              <th scope="col" key={heading}>
                {heading}
              </th>
            ))}
            {props.actions === true ? (
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            ) : null}
          </tr>
        </thead>
        <tbody>{items === undefined ? (props.failed === true ? null : <SkeletonRows rows={props.skeletonRows ?? 3} columns={columns} />) : items.map((item, index) => props.row(item, index))}</tbody>
      </table>
    </div>
  );
}
