import type { ApiError } from '../api.js';

/**
 * A page's own error (a 404 lead, a refused filter). A 401 or 503 is told by the shell (sign-in,
 * banner), so it is not repeated here.
 */
export function ErrorNote({ error, retry }: { error: ApiError | undefined; retry?: () => void }) {
  if (error === undefined || error.status === 401) return null;
  if (error.status === 503 || error.status === 0) {
    return retry === undefined ? null : (
      <p class="note">
        <button type="button" class="btn" onClick={retry}>Try again</button>
      </p>
    );
  }
  return (
    <div class="alert alert-error" role="alert">
      <p>{error.message}</p>
      <p class="muted small">{error.code}</p>
      {retry !== undefined && error.status >= 500 ? <button type="button" class="btn" onClick={retry}>Try again</button> : null}
    </div>
  );
}
