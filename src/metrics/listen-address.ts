/** Where a listener binds: an interface of this machine and a TCP port (0: any free port). */
export interface ListenAddress {
  host: string;
  port: number;
}

/**
 * Read a `host:port` setting (`127.0.0.1:9464`, `[::1]:9464`, `0.0.0.0:9464`), or `off` (null).
 * Throws an Error saying what is expected; the config module turns it into LH_E_CONFIG_INVALID.
 *
 * @example parseListenAddress('127.0.0.1:9464') // { host: '127.0.0.1', port: 9464 }
 * @example parseListenAddress('off') // null
 */
export function parseListenAddress(text: string): ListenAddress | null {
  if (text.toLowerCase() === 'off') return null;
  const match = /^\[([0-9a-fA-F:.]+)\]:(\d{1,5})$/.exec(text) ?? /^([^\s:[\]/]+):(\d{1,5})$/.exec(text);
  const port = Number(match?.[2]);
  if (match === null || !Number.isInteger(port) || port > 65535) {
    throw new Error('must be host:port (for example 127.0.0.1:9464, or [::1]:9464), or off');
  }
  return { host: match[1] as string, port };
}

/** The address as a URL authority: `127.0.0.1:9464`, `[::1]:9464`. */
export function formatListenAddress(address: ListenAddress): string {
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}
