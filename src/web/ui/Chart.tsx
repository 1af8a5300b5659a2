// A uPlot time-series chart that follows its container's width. uPlot draws on a canvas; the numbers are also in the
// table under the charts for keyboard and screen-reader users.
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';

const COLORS = ['#2f6fdf', '#d9480f', '#2b8a3e', '#9c36b5', '#e67700', '#0b7285', '#c2255c', '#5c940d', '#495057'];

export interface ChartSeries {
  readonly label: string;
  readonly values: readonly number[];
}

export function Chart({ title, times, series, format }: { title: string; times: readonly number[]; series: readonly ChartSeries[]; format: (n: number) => string }) {
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
      axes: [{}, { values: (_u: uPlot, ticks: number[]) => ticks.map(format), size: 70 }],
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
  }, [times, series, format]);

  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <div ref={box} className="chart-canvas" role="img" aria-label={`${title} chart`} />
    </figure>
  );
}
