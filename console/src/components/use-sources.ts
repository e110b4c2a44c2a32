import { useEffect, useState } from 'preact/hooks';
import { apiGet } from '../api.js';
import type { Source } from '../types.js';

/** The sources, for names in lists and filters; undefined until loaded (and if they cannot be). */
export function useSources(): Source[] | undefined {
  const [sources, setSources] = useState<Source[] | undefined>(undefined);
  useEffect(() => {
    let live = true;
    apiGet<{ items: Source[] }>('/api/sources').then(
      (answer) => live && setSources(answer.items),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, []);
  return sources;
}

/** The name of a source; "Deleted source" once the sources are loaded without it; its id until then. */
export function sourceName(sources: readonly Source[] | undefined, id: string): string {
  if (sources === undefined) return id;
  return sources.find((s) => s.id === id)?.name ?? 'Deleted source';
}
