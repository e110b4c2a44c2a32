import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { useEffect, useRef } from 'preact/hooks';

/**
 * A uPlot chart that fills its box's width (the box has a fixed height in CSS, so nothing moves while
 * data loads). `options` gets the width and height; uPlot styles its elements through the CSSOM, which
 * the CSP allows (it forbids style attributes in markup and inline <style>, neither of which uPlot uses).
 */
export function Chart({ options, data, label }: { options: (size: { width: number; height: number }) => uPlot.Options; data: uPlot.AlignedData; label: string }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);

  useEffect(() => {
    const el = box.current;
    if (el === null) return;
    const size = () => ({ width: Math.max(200, Math.floor(el.clientWidth)), height: Math.max(120, Math.floor(el.clientHeight) - legendHeight(el)) });
    plot.current?.destroy();
    plot.current = new uPlot(options(size()), data, el);
    const chart = plot.current;
    // The legend exists now: fit the plot and the legend into the box.
    chart.setSize(size());
    let frame = 0;
    const observer = new ResizeObserver(() => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => chart.setSize(size()));
    });
    observer.observe(el);
    return () => {
      cancelAnimationFrame(frame);
      observer.disconnect();
      chart.destroy();
      if (plot.current === chart) plot.current = null;
    };
  }, [options, data]);

  return <div class="chart-box" ref={box} role="img" aria-label={label} />;
}

/** The legend's height, so the plot and its legend together fit the fixed box. */
function legendHeight(el: HTMLElement): number {
  const legend = el.querySelector('.u-legend');
  return legend instanceof HTMLElement ? legend.offsetHeight + 8 : 36;
}

/** Colours for series (providers, destinations): distinct, calm, readable on white. */
export const PALETTE = ['#1f5f8b', '#d9822b', '#3a8f5c', '#8a4fb3', '#c23b52', '#4d9fbf', '#8c7a2b', '#5d6b7a'];

export { uPlot };
