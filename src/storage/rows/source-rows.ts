import type { ProviderId } from '../../core/lead.js';
import type { SourceRecord } from '../port.js';

/** A `sources` row, as both stores return it (every column text). */
export interface SourceRow {
  id: string;
  provider: string;
  name: string;
  url_token: string;
  previous_url_token: string | null;
  previous_url_token_expires_at: string | null;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: string | null;
  default_country: string | null;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
}

export function toSource(row: SourceRow): SourceRecord {
  return {
    id: row.id,
    provider: row.provider as ProviderId,
    name: row.name,
    urlToken: row.url_token,
    previousUrlToken: row.previous_url_token,
    previousUrlTokenExpiresAt: row.previous_url_token_expires_at,
    secret: row.secret,
    previousSecret: row.previous_secret,
    previousSecretExpiresAt: row.previous_secret_expires_at,
    defaultCountry: row.default_country,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    deletedAt: row.deleted_at,
  };
}
