import { useEffect, useRef, useState } from 'react';
import type uPlot from 'uplot';
import type { Series } from '../../../electron/shared/types';
import { formatBytes, formatBytesShort } from '../format/bytes';
import { useResolvedTheme } from '../app/theme';

function cssVar(el: Element, name: string, fallback: string): string {
  const v = getComputedStyle(el).getPropertyValue(name).trim();
  return v || fallback;
}

function toData(series: Series): uPlot.AlignedData {
  const n = series.points.length;
  const t = new Float64Array(n);
  const out = new Float64Array(n);
  const inn = new Float64Array(n);
  series.points.forEach((p, i) => {
    t[i] = p.t / 1000; // uPlot's time scale is in seconds
    out[i] = p.bytesOut;
    inn[i] = p.bytesIn;
  });
  return [Array.from(t), Array.from(out), Array.from(inn)];
}

/** Sent/received per bucket on a canvas (uPlot). Loaded on demand so the first paint stays small. */
export function BandwidthChart({ series, height = 220, label }: { series: Series | null; height?: number; label: string }) {
  const hostRef = useRef<HTMLDivElement>(null);
  const plotRef = useRef<uPlot | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  const theme = useResolvedTheme();

  useEffect(() => {
    const host = hostRef.current;
    if (!host || !series) return undefined;
    let disposed = false;
    let observer: ResizeObserver | null = null;
    void (async () => {
      try {
        const mod = await import('uplot');
        if (disposed) return;
        const UPlot = mod.default;
        const sent = cssVar(host, '--chart-out', '#3b82f6');
        const recv = cssVar(host, '--chart-in', '#10b981');
        const grid = cssVar(host, '--chart-grid', 'rgba(128,128,128,0.15)');
        const axis = cssVar(host, '--text-muted', '#888');
        const axisOpts = { stroke: axis, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
        const opts: uPlot.Options = {
          width: Math.max(200, host.clientWidth || 600),
          height,
          legend: { show: true, live: true },
          cursor: { drag: { x: false, y: false } },
          scales: { x: { time: true } },
          series: [
            {},
            { label: 'Sent', stroke: sent, fill: `${sent}33`, width: 1.5, value: (_u, v) => (v === null ? '—' : formatBytes(v)) },
            { label: 'Received', stroke: recv, fill: `${recv}22`, width: 1.5, value: (_u, v) => (v === null ? '—' : formatBytes(v)) },
          ],
          axes: [
            { ...axisOpts },
            { ...axisOpts, size: 64, values: (_u, ticks) => ticks.map((v) => formatBytesShort(v)) },
          ],
        };
        plotRef.current?.destroy();
        plotRef.current = new UPlot(opts, toData(series), host);
        setFailed(null);
        if (typeof ResizeObserver === 'function') {
          observer = new ResizeObserver(() => {
            const w = host.clientWidth;
            if (w > 0) plotRef.current?.setSize({ width: w, height });
          });
          observer.observe(host);
        }
      } catch (err) {
        if (!disposed) setFailed(err instanceof Error ? err.message : String(err));
      }
    })();
    return () => {
      disposed = true;
      observer?.disconnect();
      plotRef.current?.destroy();
      plotRef.current = null;
    };
  }, [series, height, theme]);

  const total = series ? series.points.reduce((a, p) => ({ out: a.out + p.bytesOut, in: a.in + p.bytesIn }), { out: 0, in: 0 }) : null;
  return (
    <figure className="chart" aria-label={label}>
      <div ref={hostRef} className="chart-canvas" style={{ minHeight: height }} data-testid="bandwidth-chart" />
      {failed ? <p className="muted small">The chart could not be drawn here ({failed}).</p> : null}
      {total ? (
        <figcaption className="sr-only">
          {`${label}: sent ${formatBytes(total.out)}, received ${formatBytes(total.in)} in ${series!.points.length} ${series!.bucket} buckets.`}
        </figcaption>
      ) : null}
    </figure>
  );
}
