import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { asApiError, type ApiError } from '../api.js';

/** The value of one of session.ts's stores; re-renders when it changes. */
export function useStore<T>(store: { get(): T; subscribe(listener: () => void): () => void }): T {
  const [value, setValue] = useState(store.get());
  useEffect(() => {
    setValue(store.get());
    return store.subscribe(() => setValue(store.get()));
  }, [store]);
  return value;
}

export interface Loaded<T> {
  /** The last answer; kept while a reload runs, so the page does not jump. */
  data: T | undefined;
  /** Why the last load failed; cleared when the next one starts. */
  error: ApiError | undefined;
  loading: boolean;
  reload: () => void;
}

/**
 * Run `load` now and whenever `deps` change; an answer that arrives after a newer load started is
 * dropped, so a slow first answer (or an older filter's list) never overwrites a later one.
 */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data: T | undefined; error: ApiError | undefined; loading: boolean }>({ data: undefined, error: undefined, loading: true });
  const generation = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const run = useCallback(() => {
    const mine = ++generation.current;
    setState((s) => ({ ...s, loading: true, error: undefined }));
    loadRef.current().then(
      (data) => {
        if (mine === generation.current) setState({ data, error: undefined, loading: false });
      },
      (error: unknown) => {
        if (mine === generation.current) setState((s) => ({ data: s.data, error: asApiError(error), loading: false }));
      },
    );
  }, []);
  useEffect(() => {
    run();
    return () => void generation.current++;
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, run]);
  return { ...state, reload: run };
}

/**
 * A mutation's state: `run(fn)` sets busy, clears the last error, and keeps the thrown error for the
 * form to show. Resolves to the answer, or undefined when it failed.
 */
export function useAction(): { busy: boolean; error: unknown; run<T>(fn: () => Promise<T>): Promise<T | undefined>; clear(): void } {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const run = useCallback(async <T,>(fn: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true);
    setError(undefined);
    try {
      return await fn();
    } catch (e) {
      setError(e);
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  const clear = useCallback(() => setError(undefined), []);
  return { busy, error, run, clear };
}

/** Set the document title for a page: "Leads · leadhook". */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = title === '' ? 'leadhook' : `${title} · leadhook`;
  }, [title]);
}
