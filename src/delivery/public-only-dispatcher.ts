/**
 * An HTTP dispatcher (undici Agent) that connects only to public addresses. It checks the addresses
 * the host name resolves to at connect time, the same answer the socket then uses, which closes the
 * DNS-rebinding window that a check before the request leaves open (a name that resolved to a public
 * address when checked and to 127.0.0.1 a moment later). URLs with literal IPs never reach the
 * lookup; checkDestinationUrl refuses private literals before any send.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { Agent } from 'undici';
import { classifyAddress } from './destination-url.js';

/** Resolves a host name to every address (as `dns.lookup(host, { all: true })`). */
export type AddressResolver = (host: string) => Promise<LookupAddress[]>;

const systemResolver: AddressResolver = (host) =>
  new Promise((resolve, reject) => {
    dnsLookup(host, { all: true, verbatim: true }, (err, addresses) => (err ? reject(err) : resolve(addresses)));
  });

/** The error a connection to a non-public address fails with; its message ends up in the attempt log. */
export class PrivateAddressError extends Error {
  readonly code = 'LH_PRIVATE_ADDRESS';
}

/** A `net.connect` lookup that refuses a name if ANY of its addresses is not public. */
export function publicOnlyLookup(resolve: AddressResolver = systemResolver): LookupFunction {
  return ((hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    resolve(hostname).then(
      (addresses) => {
        for (const a of addresses) {
          const cls = classifyAddress(a.address);
          if (cls !== null) {
            callback(
              new PrivateAddressError(
                `${hostname} resolved to ${a.address} (${cls}) when connecting; set LEADHOOK_ALLOW_PRIVATE_DESTINATIONS=1 to allow private destinations`,
              ),
            );
            return;
          }
        }
        const first = addresses[0];
        if (first === undefined) callback(Object.assign(new Error(`cannot resolve ${hostname}`), { code: 'ENOTFOUND' }));
        else if (options.all === true) callback(null, addresses);
        else callback(null, first.address, first.family);
      },
      (error: unknown) => callback(error),
    );
  }) as LookupFunction;
}

/** A keep-alive agent whose connections go to public addresses only. */
export function publicOnlyDispatcher(resolve?: AddressResolver): Agent {
  return new Agent({ connect: { lookup: publicOnlyLookup(resolve) } });
}

let shared: Agent | null = null;

/**
 * The dispatcher every send uses: none (fetch's own pool) when private destinations are allowed,
 * else one process-wide public-only pool, so keep-alive connections are reused across sends.
 */
export function dispatcherFor(allowPrivate: boolean): Agent | undefined {
  if (allowPrivate) return undefined;
  shared ??= publicOnlyDispatcher();
  return shared;
}
