import { request as httpRequest, type IncomingMessage } from 'node:http';

/** One server-sent event as received. */
export interface SseEvent {
  event: string;
  data: string;
}

/**
 * A server-sent events client over node:http (a real connection on loopback), keeping everything it
 * reads: events, comment lines, and whether the stream ended.
 */
export interface SseClient {
  status: number;
  headers: IncomingMessage['headers'];
  /** The body when the answer was not a stream (an error). */
  text(): string;
  events: SseEvent[];
  comments: string[];
  ended: boolean;
  /** Resolves with the first event `match` accepts (now or later); rejects after `timeoutMs`. */
  waitFor(match: (event: SseEvent) => boolean, what: string, timeoutMs?: number): Promise<SseEvent>;
  /** Resolves when `condition()` holds (checked on every chunk read); rejects after `timeoutMs`. */
  until(condition: () => boolean, what: string, timeoutMs?: number): Promise<void>;
  /** Stop reading from the socket (the server's writes pile up), or read again. */
  pause(): void;
  resume(): void;
  close(): void;
}

/** Open `GET <url>` as an event stream; resolves once the answer's headers arrived. */
export function openSse(url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<SseClient> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = httpRequest({ host: u.hostname, port: u.port, path: `${u.pathname}${u.search}`, method, headers: { accept: 'text/event-stream', ...headers }, agent: false }, (res) => {
      let buffer = '';
      let raw = '';
      const watchers = new Set<() => void>();
      const client: SseClient = {
        status: res.statusCode ?? 0,
        headers: res.headers,
        text: () => raw,
        events: [],
        comments: [],
        ended: false,
        waitFor: async (match, what, timeoutMs) => {
          await client.until(() => client.events.some(match), what, timeoutMs);
          return client.events.find(match) as SseEvent;
        },
        until: (condition, what, timeoutMs = 15_000) =>
          new Promise<void>((done, fail) => {
            if (condition()) return done();
            const timer = setTimeout(() => {
              watchers.delete(check);
              fail(new Error(`${what}: not within ${timeoutMs} ms; events: ${JSON.stringify(client.events).slice(0, 500)}`));
            }, timeoutMs);
            const check = () => {
              if (!condition()) return;
              clearTimeout(timer);
              watchers.delete(check);
              done();
            };
            watchers.add(check);
          }),
        pause: () => res.socket.pause(),
        resume: () => res.socket.resume(),
        close: () => req.destroy(),
      };
      const notify = () => {
        for (const check of [...watchers]) check();
      };
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        raw += chunk;
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event: SseEvent = { event: 'message', data: '' };
          let isEvent = false;
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) client.comments.push(line.slice(1).trim());
            else if (line.startsWith('event:')) (event.event = line.slice(6).trim()), (isEvent = true);
            else if (line.startsWith('data:')) (event.data += line.slice(5).trimStart()), (isEvent = true);
          }
          if (isEvent) client.events.push(event);
        }
        notify();
      });
      const ended = () => {
        client.ended = true;
        notify();
      };
      res.on('end', ended);
      res.on('close', ended);
      res.on('error', ended);
      resolve(client);
    });
    req.on('error', reject);
    req.end();
  });
}
