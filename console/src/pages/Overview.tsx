import { useMemo } from 'preact/hooks';
import { apiGet } from '../api.js';
import { Chart, PALETTE, uPlot } from '../components/Chart.js';
import { ErrorNote } from '../components/ErrorNote.js';
import { useLoad, useTitle } from '../components/hooks.js';
import { SkeletonBlock } from '../components/Skeleton.js';
import { formatCount, formatDate, formatMs, formatPercent, formatStage, isoDay } from '../format.js';
import { providerLabel } from '../providers.js';
import { Link, setQuery, useLocation } from '../router.js';
import type { PageProps } from '../session.js';
import { STAGES, type Stats } from '../types.js';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Every day from `from` to `to` (inclusive), as YYYY-MM-DD. */
function daysBetween(from: string, to: string): string[] {
  const out: string[] = [];
  const start = Date.parse(`${from}T00:00:00Z`);
  const end = Date.parse(`${to}T00:00:00Z`);
  if (Number.isNaN(start) || Number.isNaN(end)) return out;
  for (let t = start; t <= end && out.length < 400; t += 86_400_000) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

function leadsLink(stats: Stats | undefined, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  if (stats !== undefined) {
    params.set('from', stats.from);
    params.set('to', stats.to);
  }
  for (const [k, v] of Object.entries(extra)) params.set(k, v);
  const text = params.toString();
  return text === '' ? '/leads' : `/leads?${text}`;
}

export function OverviewPage(_props: PageProps) {
  useTitle('Overview');
  const { query } = useLocation();
  const fromParam = query.get('from') ?? '';
  const toParam = query.get('to') ?? '';
  const from = DAY.test(fromParam) ? fromParam : '';
  const to = DAY.test(toParam) ? toParam : '';
  const stats = useLoad(() => apiGet<Stats>('/api/stats', { from: from || undefined, to: to || undefined }), [from, to]);
  const data = stats.data;

  return (
    <div class="page">
      <div class="page-header">
        <h1>Overview</h1>
        <form class="toolbar range" onSubmit={(e) => e.preventDefault()} aria-label="Date range">
          <div class="field field-date">
            <label for="ov-from">From</label>
            <input
              id="ov-from"
              type="date"
              value={from || data?.from || ''}
              max={to || data?.to || isoDay()}
              onChange={(e) => setQuery({ from: e.currentTarget.value, to: to || data?.to })}
            />
          </div>
          <div class="field field-date">
            <label for="ov-to">To</label>
            <input
              id="ov-to"
              type="date"
              value={to || data?.to || ''}
              min={from || data?.from}
              onChange={(e) => setQuery({ from: from || data?.from, to: e.currentTarget.value })}
            />
          </div>
        </form>
      </div>
      <p class="muted small range-note">
        {data === undefined ? '\u00a0' : `${formatDate(data.from)} to ${formatDate(data.to)}, days in ${data.timeZone}. Test leads are not counted.`}
      </p>
      <ErrorNote error={stats.error} retry={stats.reload} />
      <div class="charts" aria-busy={stats.loading ? 'true' : 'false'}>
        <figure class="card chart">
          <figcaption>Leads per day</figcaption>
          <Link class="chart-link" href={leadsLink(data)}>List them</Link>
          {data === undefined ? <ChartPlaceholder withTable /> : <LeadsPerDay stats={data} />}
        </figure>
        <figure class="card chart">
          <figcaption>Leads by stage</figcaption>
          <Link class="chart-link" href={leadsLink(data)}>List by stage</Link>
          {data === undefined ? <ChartPlaceholder withTable /> : <LeadsByStage stats={data} />}
        </figure>
        <figure class="card chart">
          <figcaption>Quarantined requests</figcaption>
          <Link class="chart-link" href="/requests?status=quarantined">Review the queue</Link>
          <div class="big-number-box">
            {data === undefined ? (
              <SkeletonBlock lines={2} />
            ) : (
              <>
                <Link class="big-number" href="/requests?status=quarantined" aria-label={`${formatCount(data.quarantinedWaiting)} waiting in quarantine`}>
                  {formatCount(data.quarantinedWaiting)}
                </Link>
                <p class="muted">
                  {data.quarantinedWaiting === 0
                    ? 'No webhook is waiting in quarantine.'
                    : `webhook${data.quarantinedWaiting === 1 ? '' : 's'} leadhook could not read, waiting for a look and a reprocess.`}
                </p>
              </>
            )}
          </div>
        </figure>
        <figure class="card chart">
          <figcaption>Deliveries by destination</figcaption>
          <Link class="chart-link" href="/destinations">Delivery details</Link>
          {data === undefined ? <ChartPlaceholder /> : <Deliveries stats={data} />}
        </figure>
      </div>
    </div>
  );
}

/** What both bar charts share: no drag or hover points, and a y axis of whole counts from 0. */
const BAR_CURSOR: uPlot.Cursor = { drag: { x: false, y: false }, points: { show: false } };
const COUNT_SCALE: uPlot.Scale = { range: (_u, _min, max) => [0, Math.max(4, max * 1.1)] };
const AXIS_STROKE = '#5a6676';
const COUNT_AXIS: uPlot.Axis = { stroke: AXIS_STROKE, grid: { stroke: '#e8ebef' }, ticks: { show: false }, size: 44, values: (_u, splits) => splits.map((v) => (Number.isInteger(v) ? String(v) : '')) };

/** A series drawn as solid bars of `color`; `size`: uPlot's [width factor, max width in pixels]. */
function barSeries(label: string, color: string, size: [number, number]): uPlot.Series {
  return { label, stroke: color, fill: color, width: 0, points: { show: false }, paths: uPlot.paths.bars!({ size, align: 0 }) };
}

/** A chart with nothing to draw: `text` in the chart's box, and the room of the "as a table" line. */
function EmptyChart({ text }: { text: string }) {
  return (
    <>
      <div class="chart-box">
        <p class="empty">{text}</p>
      </div>
      <TableSlot />
    </>
  );
}

/** The chart's box while data loads; `withTable`: also the room of the "as a table" line under it. */
function ChartPlaceholder({ withTable = false }: { withTable?: boolean }) {
  return (
    <>
      <div class="chart-box">
        <SkeletonBlock lines={4} />
      </div>
      {withTable ? <TableSlot /> : null}
    </>
  );
}

/** Where a chart's "as a table" line would be, so a card without one is as tall as one with it. */
function TableSlot() {
  return <div class="chart-data-slot" aria-hidden="true" />;
}

function LeadsPerDay({ stats }: { stats: Stats }) {
  const model = useMemo(() => {
    const days = daysBetween(stats.from, stats.to);
    const providers = [...new Set(stats.leadsPerDay.filter((r) => r.count > 0).map((r) => r.provider))].sort();
    const raw = providers.map((p) => days.map((d) => stats.leadsPerDay.filter((r) => r.provider === p && r.day === d).reduce((n, r) => n + r.count, 0)));
    // Stacked: each provider's bar starts where the one before it ends. uPlot draws series in
    // order, so the tallest (cumulative) series is drawn first and the lower ones over it.
    const cumulative = raw.map((_, i) => days.map((_, d) => raw.slice(0, i + 1).reduce((n, row) => n + (row[d] ?? 0), 0)));
    const order = providers.map((_, i) => providers.length - 1 - i);
    const xs = days.map((d) => Date.parse(`${d}T00:00:00Z`) / 1000);
    const data: uPlot.AlignedData = [xs, ...order.map((i) => cumulative[i]!)];
    const total = raw.flat().reduce((n, c) => n + c, 0);
    return { days, providers, raw, order, data, total };
  }, [stats]);

  const options = useMemo(
    () =>
      ({ width, height }: { width: number; height: number }): uPlot.Options => ({
        width,
        height,
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
        cursor: BAR_CURSOR,
        scales: { x: { time: true, range: (_u, min, max) => [min - 43_200, max + 43_200] }, y: COUNT_SCALE },
        axes: [{ stroke: AXIS_STROKE, grid: { show: false }, ticks: { show: false }, values: '{D} {MMM}' }, COUNT_AXIS],
        legend: { live: false },
        series: [
          { label: 'Day' },
          ...model.order.map((i) => ({
            ...barSeries(providerLabel(model.providers[i]!), PALETTE[i % PALETTE.length]!, [0.7, 48]),
            value: (_u: uPlot, _v: number | null, _s: number, idx: number | null) => (idx === null ? '—' : formatCount(model.raw[i]![idx] ?? 0)),
          })),
        ],
      }),
    [model],
  );

  if (model.total === 0) return <EmptyChart text="No leads arrived in this range." />;
  return (
    <>
      <Chart options={options} data={model.data} label={`Stacked bar chart of leads per day and provider: ${formatCount(model.total)} leads in all. The numbers are in the table below.`} />
      <details class="chart-data">
        <summary>Leads per day as a table</summary>
        <div class="table-wrap" tabIndex={0}>
          <table class="data compact">
            <thead>
              <tr>
                <th scope="col">Day</th>
                {model.providers.map((p) => (
                  <th scope="col" class="num" key={p}>
                    {providerLabel(p)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {model.days.map((d, di) => (
                <tr key={d}>
                  <th scope="row">{formatDate(d)}</th>
                  {model.providers.map((p, pi) => (
                    <td class="num" key={p}>
                      {formatCount(model.raw[pi]![di] ?? 0)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </>
  );
}

function LeadsByStage({ stats }: { stats: Stats }) {
  const model = useMemo(() => {
    const order = (s: string) => {
      const i = (STAGES as readonly string[]).indexOf(s);
      return i === -1 ? STAGES.length : i;
    };
    const rows = stats.leadsByStage.filter((r) => r.count > 0).sort((a, b) => order(a.stage) - order(b.stage));
    const data: uPlot.AlignedData = [rows.map((_, i) => i), rows.map((r) => r.count)];
    return { rows, data, total: rows.reduce((n, r) => n + r.count, 0) };
  }, [stats]);

  const options = useMemo(
    () =>
      ({ width, height }: { width: number; height: number }): uPlot.Options => ({
        width,
        height,
        cursor: BAR_CURSOR,
        scales: { x: { time: false, range: () => [-0.6, model.rows.length - 0.4] }, y: COUNT_SCALE },
        axes: [
          {
            stroke: AXIS_STROKE,
            grid: { show: false },
            ticks: { show: false },
            splits: () => model.rows.map((_, i) => i),
            values: (_u, splits) => splits.map((i) => formatStage(model.rows[i]?.stage ?? '')),
            rotate: model.rows.length > 4 ? -30 : 0,
            size: model.rows.length > 4 ? 72 : 36,
          },
          COUNT_AXIS,
        ],
        legend: { show: false },
        series: [{}, barSeries('Leads', PALETTE[0]!, [0.6, 56])],
      }),
    [model],
  );

  if (model.total === 0) return <EmptyChart text="No leads in this range." />;
  return (
    <>
      <Chart options={options} data={model.data} label={`Bar chart of leads by stage: ${model.rows.map((r) => `${formatStage(r.stage)} ${r.count}`).join(', ')}.`} />
      <details class="chart-data">
        <summary>Leads by stage as a table</summary>
        <div class="table-wrap" tabIndex={0}>
          <table class="data">
            <thead>
              <tr>
                <th scope="col">Stage</th>
                <th scope="col" class="num">Leads</th>
              </tr>
            </thead>
            <tbody>
              {model.rows.map((r) => (
                <tr key={r.stage}>
                  <th scope="row">
                    <Link href={leadsLink(stats, { stage: r.stage })}>{formatStage(r.stage)}</Link>
                  </th>
                  <td class="num">{formatCount(r.count)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </>
  );
}

function Deliveries({ stats }: { stats: Stats }) {
  if (stats.deliveries.length === 0) {
    return (
      <div class="chart-box">
        <p class="empty">No destination yet, so nothing was delivered.</p>
      </div>
    );
  }
  return (
    <div class="table-wrap deliveries-wrap">
      <table class="data compact deliveries-table">
        <colgroup>
          <col class="col-destination" />
          <col class="col-rate" />
          <col class="col-failed" />
          <col class="col-pending" />
          <col class="col-latency" />
        </colgroup>
        <thead>
          <tr>
            <th scope="col">Destination</th>
            <th scope="col">Success rate</th>
            <th scope="col" class="num">Failed</th>
            <th scope="col" class="num">Pending</th>
            <th scope="col" class="num">
              Latency <span class="nowrap"><abbr title="median">p50</abbr> / p95</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {stats.deliveries.map((d) => (
            <tr key={d.destinationId}>
              <th scope="row">
                <span class="clip" title={d.name}>
                  {d.name}
                </span>
              </th>
              <td class="nowrap">
                {d.successRate === null ? (
                  <span class="muted">—</span>
                ) : (
                  <>
                    <meter class="rate" min={0} max={1} low={0.9} high={0.99} optimum={1} value={d.successRate} aria-hidden="true" /> {formatPercent(d.successRate)}
                  </>
                )}
                <span class="visually-hidden">{`, ${d.succeeded} succeeded`}</span>
              </td>
              <td class="num">{formatCount(d.failed)}</td>
              <td class="num">{formatCount(d.pending)}</td>
              <td class="num latency">
                <span class="nowrap">{formatMs(d.latencyMsP50)} /</span> <span class="nowrap">{formatMs(d.latencyMsP95)}</span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
