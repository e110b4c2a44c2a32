import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { apiGet } from '../api.js';
import { FormError, SuccessNote } from '../components/feedback.js';
import { useLoad, useTitle } from '../components/hooks.js';
import { AddSourceForm } from '../components/pages/AddSourceForm.js';
import { CardList } from '../components/pages/cards.js';
import { SourceCard, webhookUrlOf, type Revealed } from '../components/pages/SourceCard.js';
import type { Source } from '../types.js';
import '../components/pages/pages.css';

/**
 * Sources: one card per source with its counts; for admins, "Add source" with each provider's guide,
 * and per source: setup (webhook URL, secret when just made), test lead, rotations, delete.
 */
export function SourcesPage(p: { role: 'admin' | 'viewer'; params: Record<string, string> }): JSX.Element {
  useTitle('Sources');
  const admin = p.role === 'admin';
  const focusId = p.params['id'];
  const list = useLoad(() => apiGet<{ items: Source[] }>('/api/sources'), []);
  const [adding, setAdding] = useState(false);
  const [revealed, setRevealed] = useState<Record<string, Revealed>>({});
  const [deleted, setDeleted] = useState<string | null>(null);
  const [created, setCreated] = useState<string | null>(null);

  // Each source comes with its activity (last received, refused, quarantined): one call for the page.
  const sources = list.data?.items;

  const onCreated = (source: Source) => {
    const url = webhookUrlOf(source);
    setRevealed((all) => ({
      ...all,
      [source.id]: {
        ...(url === null ? {} : { webhookUrl: url }),
        ...(source.secret === undefined ? {} : { secret: source.secret }),
        note: `${source.name} is ready. Follow the steps below to connect it, then send a test lead.`,
      },
    }));
    setAdding(false);
    setDeleted(null);
    setCreated(source.id);
    list.reload();
  };

  return (
    <div class="page pg-page">
      <div class="page-header">
        <h1>Sources</h1>
        {admin && !adding ? (
          <button type="button" class="btn btn-primary" onClick={() => setAdding(true)}>
            Add source
          </button>
        ) : null}
      </div>
      <p class="pg-lead">
        A source is one provider account sending webhooks to its own URL.
        {admin ? '' : ' Webhook URLs and secrets are shown to admins only.'}
      </p>
      {adding ? <AddSourceForm onCreated={onCreated} onCancel={() => setAdding(false)} /> : null}
      <SuccessNote>{deleted === null ? null : `${deleted} was deleted.`}</SuccessNote>
      <FormError error={list.error} />
      <CardList
        items={sources}
        failed={list.error !== undefined}
        label="Sources"
        empty={admin ? 'No sources yet. Use "Add source" to connect a provider.' : 'No sources yet. An admin adds them.'}
        card={(s) => (
          <SourceCard
            source={s}
            admin={admin}
            focused={s.id === (created ?? focusId)}
            revealed={revealed[s.id]}
            onReveal={(values) => setRevealed((all) => ({ ...all, [s.id]: values }))}
            onChanged={list.reload}
            onDeleted={() => {
              setDeleted(s.name);
              list.reload();
            }}
          />
        )}
      />
    </div>
  );
}
