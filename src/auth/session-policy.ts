/**
 * How long a browser session lives, and how often "last used" times are written.
 *
 * A session ends after SESSION_IDLE_MS without a request (sliding: every request moves it on), and
 * SESSION_MAX_MS after it was created whatever happens (absolute), so a stolen cookie is not good
 * forever. Last-used times (a token's `lastUsedAt`, a session's last request) are written at most once
 * per TOUCH_INTERVAL_MS per token or session: a busy console costs one small write a minute, not one
 * per request; times shown are thus accurate to that interval, and so is the idle timeout.
 */

/** A session unused this long has ended: 12 hours. */
export const SESSION_IDLE_MS = 12 * 3_600_000;
/** A session has ended this long after it began, used or not: 7 days. */
export const SESSION_MAX_MS = 7 * 24 * 3_600_000;
/** Last-used times are written at most this often per token or session: 1 minute. */
export const TOUCH_INTERVAL_MS = 60_000;
/** Ended sessions are deleted once they have been over this long (until then they answer LH_E_SESSION_EXPIRED). */
export const ENDED_SESSION_KEPT_MS = 24 * 3_600_000;

/** The times of a session that decide whether it is live. */
export interface SessionTimes {
  /** Absolute expiry: creation + SESSION_MAX_MS (see sessionMaxExpiry). */
  expiresAt: string;
  /** Its last request (written at most once per TOUCH_INTERVAL_MS). */
  lastSeenAt: string;
}

const ms = (iso: string): number => Date.parse(iso);
const iso = (t: number): string => new Date(t).toISOString();

/** When a session ends if it is not used again: the earlier of idle and absolute expiry. */
export function sessionEndsAt(session: SessionTimes): string {
  return iso(Math.min(ms(session.expiresAt), ms(session.lastSeenAt) + SESSION_IDLE_MS));
}

/** Whether the session is live at `now` (ISO time). */
export function isSessionLive(session: SessionTimes, now: string): boolean {
  return ms(now) < ms(sessionEndsAt(session));
}

/** Whether a last-used time (null: never) is old enough at `now` to be written again. */
export function shouldTouch(lastUsedAt: string | null, now: string): boolean {
  return lastUsedAt === null || ms(now) - ms(lastUsedAt) >= TOUCH_INTERVAL_MS;
}

/** The newest last-used time a touch at `now` may replace: a write is skipped when the stored one is later (another instance wrote it). */
export function touchThreshold(now: string): string {
  return iso(ms(now) - TOUCH_INTERVAL_MS);
}

/**
 * What session pruning deletes at `now`: sessions whose absolute expiry, or whose last request plus
 * the idle timeout, is more than ENDED_SESSION_KEPT_MS ago.
 */
export function prunableBefore(now: string): { expiresBefore: string; lastSeenBefore: string } {
  const t = ms(now) - ENDED_SESSION_KEPT_MS;
  return { expiresBefore: iso(t), lastSeenBefore: iso(t - SESSION_IDLE_MS) };
}

/** The absolute expiry of a session created at `now`. */
export function sessionMaxExpiry(now: string): string {
  return iso(ms(now) + SESSION_MAX_MS);
}
