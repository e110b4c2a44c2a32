import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { apiGet } from '../api.js';
import { FormError, SuccessNote } from '../components/feedback.js';
import { useLoad, useTitle } from '../components/hooks.js';
import { AddDestinationForm } from '../components/pages/AddDestinationForm.js';
import { CardList } from '../components/pages/cards.js';
import { DestinationCard, type RevealedSecret } from '../components/pages/DestinationCard.js';
import { FailedDeliveries } from '../components/pages/FailedDeliveries.js';
import type { Delivery, Destination, Page, Stats } from '../types.js';
import '../components/pages/pages.css';

/**
 * Destinations: where lead events are forwarded, with their health; for admins, "Add destination"
 * (rule templates, CEL filter tried before saving), test sends, secret rotation, enable/disable,
 * replay, delete. Below, the failed deliveries with "Retry".
 */
export function DestinationsPage(p: { role: 'admin' | 'viewer'; params: Record<string, string> }): JSX.Element {
  useTitle('Destinations');
  const admin = p.role === 'admin';
  const [tick, setTick] = useState(0);
  const list = useLoad(() => apiGet<{ items: Destination[] }>('/api/destinations'), [tick]);
  const [adding, setAdding] = useState(false);
  const [revealed, setRevealed] = useState<Record<string, RevealedSecret>>({});
  const [deleted, setDeleted] = useState<string | null>(null);
  const [created, setCreated] = useState<string | null>(null);
  const [failed, setFailed] = useState<Record<string, number>>({});
  const [lastErrors, setLastErrors] = useState<Record<string, string>>({});
  // The cards wait for their health (the first time only) so that no line appears in them afterwards.
  const [healthReady, setHealthReady] = useState(false);
  const destinations = list.data?.items;

  // Failed counts (last 14 days) and each destination's newest delivery error: health at a glance.
  useEffect(() => {
    let live = true;
    const counts = apiGet<Stats>('/api/stats').then(
      (stats) => live && setFailed(Object.fromEntries(stats.deliveries.map((d) => [d.destinationId, d.failed]))),
      () => undefined,
    );
    const errors = apiGet<Page<Delivery>>('/api/deliveries', { status: 'failed', limit: 100 }).then(
      (page) => {
        if (!live) return;
        const errors: Record<string, string> = {};
        for (const d of page.items) {
          if (errors[d.destinationId] !== undefined) continue;
          const text = [d.lastStatusCode === null ? '' : `HTTP ${d.lastStatusCode}`, d.lastError ?? ''].filter((s) => s !== '').join(': ');
          if (text !== '') errors[d.destinationId] = text;
        }
        setLastErrors(errors);
      },
      () => undefined,
    );
    void Promise.all([counts, errors]).then(() => live && setHealthReady(true));
    return () => {
      live = false;
    };
  }, [tick]);
  const ready = destinations !== undefined && healthReady;

  const onCreated = (d: Destination) => {
    if (d.secret !== undefined) {
      setRevealed((all) => ({ ...all, [d.id]: { secret: d.secret!, note: `${d.name} is created. Give its receiver this signing secret to check each event's signature.` } }));
    }
    setAdding(false);
    setDeleted(null);
    setCreated(d.id);
    setTick((n) => n + 1);
  };

  return (
    <div class="page pg-page">
      <div class="page-header">
        <h1>Destinations</h1>
        {admin && !adding ? (
          <button type="button" class="btn btn-primary" onClick={() => setAdding(true)}>
            Add destination
          </button>
        ) : null}
      </div>
      <p class="pg-lead">Where lead events are sent, signed, with retries. A rule decides which events each one gets.</p>
      {adding ? <AddDestinationForm onCreated={onCreated} onCancel={() => setAdding(false)} /> : null}
      <SuccessNote>{deleted === null ? null : `${deleted} was deleted.`}</SuccessNote>
      <FormError error={list.error} />
      <CardList
        items={ready ? destinations : undefined}
        failed={list.error !== undefined}
        label="Destinations"
        empty={admin ? 'No destinations yet. Use "Add destination" to forward leads to your CRM.' : 'No destinations yet. An admin adds them.'}
        card={(d) => (
          <DestinationCard
            destination={d}
            admin={admin}
            focused={d.id === (created ?? p.params['id'])}
            failed={failed[d.id]}
            lastDeliveryError={lastErrors[d.id] ?? null}
            revealed={revealed[d.id]}
            onReveal={(values) => setRevealed((all) => ({ ...all, [d.id]: values }))}
            onChanged={() => setTick((n) => n + 1)}
            onDeleted={() => {
              setDeleted(d.name);
              setTick((n) => n + 1);
            }}
          />
        )}
      />
      {/* Below the cards: shown once they are, so it does not jump down while they load. */}
      <div hidden={!ready && list.error === undefined}>
        <FailedDeliveries admin={admin} destinations={destinations ?? []} reloadKey={tick} onRetried={() => setTick((n) => n + 1)} />
      </div>
    </div>
  );
}
