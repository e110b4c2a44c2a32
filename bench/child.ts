import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** A bench server running in its own process, with the JSON line it printed when ready. */
export interface Child<T> {
  name: string;
  info: T;
  process: ChildProcess;
  /** Resolves with the exit code (or signal) once the process is gone. */
  exited: Promise<number | NodeJS.Signals>;
  /** Send `signal` and wait for the exit (SIGKILL after `graceMs` if it lingers). */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<number | NodeJS.Signals>;
  /** Send `signal` and resolve with `line[key]` of the next JSON line that has `key`; null on timeout. */
  ask<R>(signal: NodeJS.Signals, key: string, timeoutMs?: number): Promise<R | null>;
}

const alive = new Set<ChildProcess>();

/** Kill every child still running; used on errors, signals and exit so no server outlives the run. */
export function killAllChildren(): void {
  for (const child of alive) child.kill('SIGKILL');
  alive.clear();
}

function jsonObject(line: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/**
 * Start `node [nodeFlags] --import tsx <file>` and wait for its first stdout line that is a JSON
 * object. Rejects (and kills it) if it exits or stays silent for `timeoutMs`. `env` adds to the parent's environment.
 */
export function startChild<T>(
  name: string,
  file: string,
  options: { nodeFlags?: string[]; timeoutMs?: number; env?: Record<string, string> } = {},
): Promise<Child<T>> {
  const proc = spawn(process.execPath, [...(options.nodeFlags ?? []), '--import', 'tsx', file], {
    // The parent's environment, plus `env` (e.g. LEADHOOK_ALLOW_PRIVATE_DESTINATIONS=1 for the delivery bench).
    env: { ...process.env, ...(options.env ?? {}) },
    // stdin stays open as a lifeline: the child stops when it closes (the parent died).
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  alive.add(proc);
  let stderr = '';
  proc.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const exited = new Promise<number | NodeJS.Signals>((resolve) => {
    proc.once('exit', (code, signal) => {
      alive.delete(proc);
      resolve(signal ?? code ?? 0);
    });
  });
  const isRunning = (): boolean => proc.exitCode === null && proc.signalCode === null;
  const stop = async (signal: NodeJS.Signals = 'SIGTERM', graceMs = 5000): Promise<number | NodeJS.Signals> => {
    if (!isRunning()) return exited;
    proc.kill(signal);
    const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
    const result = await exited;
    clearTimeout(timer);
    return result;
  };

  // Every JSON line after the ready line goes to whoever waits for its key.
  const waiters: { key: string; resolve: (line: Record<string, unknown>) => void }[] = [];
  const ask = <R>(signal: NodeJS.Signals, key: string, timeoutMs = 5000): Promise<R | null> => {
    if (!isRunning()) return Promise.resolve(null);
    return new Promise<R | null>((resolve) => {
      const waiter = {
        key,
        resolve: (line: Record<string, unknown>) => {
          clearTimeout(timer);
          resolve(line[key] as R);
        },
      };
      const timer = setTimeout(() => {
        waiters.splice(waiters.indexOf(waiter), 1);
        resolve(null);
      }, timeoutMs);
      waiters.push(waiter);
      proc.kill(signal);
    });
  };

  return new Promise<Child<T>>((resolve, reject) => {
    let isReady = false;
    const fail = (why: string): void => {
      if (isReady) return;
      clearTimeout(timer);
      proc.kill('SIGKILL');
      reject(new Error(`${name} did not start: ${why}${stderr === '' ? '' : `\n--- ${name} stderr ---\n${stderr.trimEnd()}`}`));
    };
    const timer = setTimeout(() => fail(`no ready line within ${options.timeoutMs ?? 20000} ms`), options.timeoutMs ?? 20000);
    proc.once('error', (error) => fail(error.message));
    void exited.then((how) => fail(`exited (${how}) before printing its URL`));
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      const json = jsonObject(line);
      if (json === null) return; // not for us
      if (!isReady) {
        isReady = true;
        clearTimeout(timer);
        resolve({ name, info: json as T, process: proc, exited, stop, ask });
        return;
      }
      const i = waiters.findIndex((w) => w.key in json);
      if (i >= 0) waiters.splice(i, 1)[0]?.resolve(json);
    });
  });
}
