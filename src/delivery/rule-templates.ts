/**
 * Ready-made subscription filters: the six consumer rules at the end of Anarock's callback document
 * (`callback_url.md`, 2020; seed 001, "Few Examples of the hooks about consuming hooks"), written as
 * CEL over `payload` nearly word for word. Where the document disagrees with itself both spellings are
 * accepted (providers.md §2.2): `followup`/`follow_up`, `Failed`/`Fail`, and the 2018 Title Case
 * statuses `Visit Done`/`Booking Done`.
 *
 * Conditions on `dispositions[0]`, `calls[0]` and `latest_event_details` need those to be present; when
 * they are absent or empty the rule does not match (see rule-filter.ts, "Missing fields").
 */

/** A filter a user can pick instead of writing CEL. */
export interface RuleTemplate {
  /** Stable kebab-case id. */
  id: string;
  title: string;
  description: string;
  /** CEL over `event`, `lead` and `payload`; compiled with compileFilter(). */
  expression: string;
}

const FAILED = '["Failed", "Fail", "Junk"]';

/** The six Anarock consumer rules, in the document's order. */
export const RULE_TEMPLATES: readonly RuleTemplate[] = Object.freeze([
  {
    id: 'anarock-call-center-followup-over-60s',
    title: 'Call center: call over 60 s, lead kept (follow-up)',
    description:
      'Lead is in the call center bucket, the call lasted more than 60 seconds and the lead was not moved to Junk or Failed: ' +
      'a disposition was created with type follow-up while the status is In Call Center.',
    expression: [
      'payload.action == "disposition_created"',
      'payload.lead_status == "In Call Center"',
      'payload.dispositions[0].disposition_type in ["followup", "follow_up"]',
      'payload.calls[0].duration_in_sec > 60',
    ].join('\n&& '),
  },
  {
    id: 'anarock-call-center-transfer-to-sales',
    title: 'Call center: transferred to the sales team',
    description: 'Lead was in the call center bucket and was transferred to the sales team, through patch out or send to fresh.',
    expression: [
      'payload.action == "disposition_created"',
      'payload.dispositions[0].disposition_type in ["fresh", "patch_out"]',
    ].join('\n&& '),
  },
  {
    id: 'anarock-call-center-moved-to-failed',
    title: 'Call center: moved to Failed or Junk',
    description:
      'Lead was in the call center bucket and was moved to Failed or Junk, with a failed or junk disposition. ' +
      "(The document's heading also mentions a call over 60 s, but its conditions do not test the call; neither does this rule.)",
    expression: [
      'payload.action in ["status_update", "status_and_agent_update"]',
      `payload.lead_status in ${FAILED}`,
      'payload.last_status == "In Call Center"',
      'payload.dispositions[0].disposition_type in ["failed", "junk"]',
    ].join('\n&& '),
  },
  {
    id: 'anarock-sales-site-visit-done',
    title: 'Sales team: site visit done',
    description: 'Lead is in the sales team bucket and the sales manager marked a site visit event as completed.',
    expression: [
      'payload.action == "event_update"',
      'payload.lead_status in ["Visit done", "Visit Done"]',
      'payload.latest_event_details.event_type == "sv"',
    ].join('\n&& '),
  },
  {
    id: 'anarock-sales-booking-done',
    title: 'Sales team: booking done',
    description: 'Lead is in the sales team bucket and the sales manager changed its status to Booking done.',
    expression: ['payload.action == "status_update"', 'payload.lead_status in ["Booking done", "Booking Done"]'].join('\n&& '),
  },
  {
    id: 'anarock-sales-moved-to-failed',
    title: 'Sales team: moved to Failed or Junk',
    description:
      'Lead is in the sales team bucket and the sales manager changed its status to Failed or Junk ' +
      '(the previous status was not In Call Center; a payload without last_status counts as not In Call Center).',
    expression: [
      'payload.action == "status_update"',
      `payload.lead_status in ${FAILED}`,
      // The document's `last_status !== 'In Call Center'` is true in JavaScript when the key is absent.
      '(!has(payload.last_status) || payload.last_status != "In Call Center")',
    ].join('\n&& '),
  },
]);

/** A template by id, or undefined. */
export function findRuleTemplate(id: string): RuleTemplate | undefined {
  return RULE_TEMPLATES.find((t) => t.id === id);
}
