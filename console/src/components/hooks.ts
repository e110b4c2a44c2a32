import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api.js';

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
  data: T | undefined;
  error: ApiError | undefined;
  loading: boolean;
  reload: () => void;
}

/**
 * Run `load` when `key` changes; an answer that arrives after a newer request started is dropped,
 * so a slow first answer never overwrites a later one.
 */
export function useLoad<T>(load: () => Promise<T>, key: string): Loaded<T> {
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
        if (mine !== generation.current) return;
        const e = error instanceof ApiError ? error : new ApiError(0, 'LH_E_CONSOLE', error instanceof Error ? error.message : String(error));
        setState((s) => ({ data: s.data, error: e, loading: false }));
      },
    );
  }, []);
  useEffect(() => {
    run();
    return () => void generation.current++;
  }, [key, run]);
  return { ...state, reload: run };
}

/** Set the document title for a page: "Leads · leadhook". */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = title === '' ? 'leadhook' : `${title} · leadhook`;
  }, [title]);
}
