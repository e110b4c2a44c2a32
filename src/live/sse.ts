/**
 * Server-sent events framing (HTML Living Standard §9.2 "Server-sent events"). Pure: no I/O.
 * A field's value ends at CR or LF, so what is framed here never holds one: JSON text escapes both.
 */

/** One event: `event: <name>` and its data as one line of JSON. */
export function sseEvent(name: string, data: unknown): string {
  return `event: ${oneLine(name)}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** A comment line (clients ignore it; it keeps the connection busy for proxies). */
export function sseComment(text: string): string {
  return `: ${oneLine(text)}\n\n`;
}

function oneLine(text: string): string {
  return text.replace(/[\r\n]/g, ' ');
}
