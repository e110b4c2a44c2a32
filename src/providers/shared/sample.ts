/**
 * Sample webhooks ("Send test lead" in the console, `POST /api/sources/:id/test-lead`): one maker
 * per provider, in its folder (`sample.ts`), building the request that provider would send for a
 * new lead, credentials included, so that it goes through the same checks as a real one.
 */
import { randomInt } from 'node:crypto';

export interface SampleInput {
  /** The source's current secret, to sign or carry the request the provider's way. */
  secret: string;
  now: Date;
}

/** A webhook request as the provider sends it: its headers (lower-case names) and exact body. */
export interface SampleWebhook {
  headers: Record<string, string>;
  body: Buffer;
}

export type SampleMaker = (input: SampleInput) => SampleWebhook;

/**
 * A fresh numeric lead id: the time in milliseconds and three random digits (a new id each call,
 * so every sample is a new lead), within JavaScript's safe integers.
 */
export function freshLeadNumber(now: Date): number {
  return now.getTime() * 1000 + randomInt(1000);
}

/** A JSON body and its content type. */
export function jsonSample(value: unknown, headers: Record<string, string> = {}): SampleWebhook {
  return { headers: { 'content-type': 'application/json', ...headers }, body: Buffer.from(JSON.stringify(value), 'utf8') };
}

/** What every sample lead says about itself. */
export const SAMPLE_MESSAGE = 'A test lead sent from leadhook (console or API): safe to ignore.';
