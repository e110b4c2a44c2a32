import type { Stage } from '../../core/lead.js';
import { enumKey, text } from '../../core/normalize/text.js';

// providers.md §4.5 "LeadPro", keyed by enumKey() so case, spaces and underscores do not matter.
// Maps rather than object literals: a status such as "constructor" must not find Object.prototype.
const STAGE_STAGES: ReadonlyMap<string, Stage> = new Map<string, Stage>([
  ['new', 'new'],
  ['contacted', 'contacted'],
  ['keep_in_touch', 'nurture'],
  ['lost', 'lost'],
  ['not_contactable', 'lost'],
  ['won', 'won'],
  ['valuation_booked', 'appointment_booked'],
  ['viewing_booked', 'appointment_booked'],
  ['registered', 'qualified'],
  ['instructed', 'won'],
  ['duplicate', 'duplicate'],
  ['spam', 'junk'],
  ['deleted', 'archived'],
]);

const STATUS_STAGES: ReadonlyMap<string, Stage> = new Map<string, Stage>([
  ['unread', 'new'],
  ['in_progress', 'working'],
  ['business', 'won'],
  ['no_business', 'lost'],
  ['duplicate', 'duplicate'],
]);

/** The pipeline stage of a LeadPro lead, and which field said so. */
export interface LeadProStage {
  stage: Stage;
  /** `stage` as sent when present, else `status` as sent, else null. */
  providerStatus: string | null;
  /** The field `providerStatus` came from; the other one stays in `extra`. */
  field: 'stage' | 'status' | null;
}

/**
 * `stage` when present and recognised, else `status`; neither → `new`; unrecognised → `unknown`.
 *
 * @example stageOf(undefined, 'Contacted') // { stage: 'contacted', providerStatus: 'Contacted', field: 'status' }
 */
export function stageOf(stageValue: unknown, statusValue: unknown): LeadProStage {
  const stageRaw = text(stageValue);
  const statusRaw = text(statusValue);
  const fromStage = stageRaw === null ? undefined : STAGE_STAGES.get(enumKey(stageRaw));
  // The update-API example sends a stage word in `status` ("status": "Contacted", providers.md §1.2).
  const statusKey = statusRaw === null ? null : enumKey(statusRaw);
  const fromStatus = statusKey === null ? undefined : (STATUS_STAGES.get(statusKey) ?? STAGE_STAGES.get(statusKey));
  const field = stageRaw !== null ? 'stage' : statusRaw !== null ? 'status' : null;
  return {
    stage: fromStage ?? fromStatus ?? (field === null ? 'new' : 'unknown'),
    providerStatus: stageRaw ?? statusRaw,
    field,
  };
}
