/**
 * Case-insensitive access to a CasaYes body. The documented keys are PascalCase (an ASP.NET
 * producer, providers.md §1.3); a serializer setting could turn them camelCase (providers.md §2.4 #13).
 */
export class CaseInsensitiveFields {
  private readonly keys = new Map<string, string>();
  private readonly used = new Set<string>();

  constructor(private readonly record: Record<string, unknown>) {
    for (const key of Object.keys(record)) {
      const folded = key.toLowerCase();
      // The documented spelling wins when two spellings of one field are both present.
      if (!this.keys.has(folded) || /^[A-Z]/.test(key)) this.keys.set(folded, key);
    }
  }

  /** The value under `name` in any letter case, or undefined when absent. */
  get(name: string): unknown {
    const key = this.keys.get(name.toLowerCase());
    return key === undefined ? undefined : this.record[key];
  }

  /** Mark `name` as mapped to a canonical field, so it is left out of `rest()`. */
  take(name: string): void {
    const key = this.keys.get(name.toLowerCase());
    if (key !== undefined) this.used.add(key);
  }

  /** Every key not taken, spelled as the provider sent it. */
  rest(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(this.record)) if (!this.used.has(key)) out[key] = value;
    return out;
  }
}
