/** C0 controls but tab, line feed and carriage return: JSON escapes each as six characters. */
const ESCAPED_CONTROLS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/;

/**
 * The body as text when it is UTF-8 without control characters, else null (shown as base64): either
 * way the answer is at most twice the body, whatever bytes a webhook sent.
 */
export function bodyAsText(body: Buffer): string | null {
  const text = body.toString('utf8');
  return !ESCAPED_CONTROLS.test(text) && Buffer.from(text, 'utf8').equals(body) ? text : null;
}
