// A uPlot time-series chart that follows its container's width. uPlot draws on a canvas; the numbers are also in the
// table under the charts for keyboard and screen-reader users.
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';

const COLORS = ['#2f6fdf', '#d9480f', '#2b8a3e', '#9c36b5', '#e67700', '#0b7285', '#c2255c', '#5c940d', '#495057'];

export interface ChartSeries {
  readonly label: string;
  readonly values: readonly number[];
}

/** Room for the y axis: its longest label (about 7 px a character at the chart font) plus the tick and gap. */
const axisWidth = (_u: uPlot, values: string[] | null): number => (values?.length ? Math.max(...values.map((v) => v.length)) * 7 + 16 : 40);

/** Tick steps for counts: whole numbers only, so a chart of 1 request does not label its axis 0, 0, 1, 1, 1. */
const WHOLE_STEPS = Array.from({ length: 16 }, (_, i) => [1, 2, 5].map((m) => m * 10 ** i)).flat();

export function Chart({ title, times, series, format, whole = false }: { title: string; times: readonly number[]; series: readonly ChartSeries[]; format: (n: number) => string; whole?: boolean }) {
  const box = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const width = () => Math.max(260, el.clientWidth);
    const options: uPlot.Options = {
      width: width(),
      height: 220,
      series: [
        {},
        ...series.map((s, i) => ({
          label: s.label,
          stroke: COLORS[i % COLORS.length],
          width: 2,
          value: (_u: uPlot, v: number | null) => (v === null ? '-' : format(v)),
        })),
      ],
      axes: [{}, { values: (_u: uPlot, ticks: number[]) => ticks.map(format), size: axisWidth, ...(whole ? { incrs: WHOLE_STEPS } : {}) }],
      scales: { x: { time: true } },
      legend: { show: true },
    };
    const data: uPlot.AlignedData = [Array.from(times), ...series.map((s) => Array.from(s.values))];
    const plot = new uPlot(options, data, el);
    const observer = new ResizeObserver(() => plot.setSize({ width: width(), height: 220 }));
    observer.observe(el);
    return () => {
      observer.disconnect();
      plot.destroy();
    };
  }, [times, series, format, whole]);

  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <div ref={box} className="chart-canvas" role="img" aria-label={`${title} chart`} />
    </figure>
  );
}
