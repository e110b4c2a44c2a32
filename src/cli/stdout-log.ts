/** A stream that may break: stdout or stderr. */
interface OutputStream {
  write(text: string): boolean;
  on(event: 'error', listener: (error: NodeJS.ErrnoException) => void): unknown;
}

/**
 * Where `leadhook serve` writes its log lines: stdout, through Node's own stream (which queues
 * what a slow reader has not taken yet instead of blocking), never pino's default destination.
 * That one, on exit, retries a write to a broken pipe forever (sonic-boom's flushSync loops on
 * EPIPE), so a server whose log reader had gone away closed its listener on SIGTERM and never
 * exited. Here the first write error (EPIPE, EBADF…) turns the log off: the server keeps serving
 * and shuts down as usual, without a log. stderr gets the same treatment, so a broken stderr
 * cannot crash the process either.
 */
export function stdoutLog(stdout: OutputStream = process.stdout, stderr: OutputStream = process.stderr): { write(line: string): void; readonly isBroken: boolean } {
  let broken = false;
  stdout.on('error', () => {
    broken = true;
  });
  stderr.on('error', () => {
    // nothing left to tell it with
  });
  return {
    write(line) {
      if (broken) return;
      try {
        stdout.write(line);
      } catch {
        broken = true;
      }
    },
    get isBroken() {
      return broken;
    },
  };
}
