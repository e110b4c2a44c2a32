/**
 * A value from a bounded cache, made and kept on a miss: the least recently used entry goes when
 * the cache is full (a Map keeps insertion order; a hit is moved to the end).
 *
 * @example const re = cached(patterns, source, 256, () => RE2JS.compile(source))
 */
export function cached<K, V>(cache: Map<K, V>, key: K, capacity: number, make: () => V): V {
  if (cache.has(key)) {
    const hit = cache.get(key) as V;
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const value = make();
  if (cache.size >= capacity) cache.delete(cache.keys().next().value as K);
  cache.set(key, value);
  return value;
}
