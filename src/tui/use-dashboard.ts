// The dashboard's data as React state. A new snapshot that differs only in `updated_at` is not a change, so the
// screen is redrawn only when something it shows changed.
import { useEffect, useRef, useState } from 'react';
import type { DashboardData, DashboardSource } from './source.js';

function fingerprint(data: DashboardData): string {
  if (data.state !== 'running') return JSON.stringify(data);
  const { updated_at: _ignored, ...rest } = data.snapshot;
  return JSON.stringify([rest, data.live]);
}

export function useDashboard(source: DashboardSource): DashboardData {
  const [data, setData] = useState<DashboardData>({ state: 'connecting' });
  const last = useRef('');
  useEffect(() => {
    return source.connect((next) => {
      const print = fingerprint(next);
      if (print === last.current) return;
      last.current = print;
      setData(next);
    });
  }, [source]);
  return data;
}
