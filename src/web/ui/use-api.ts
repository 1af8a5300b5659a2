// Loads one API resource: loading, error and data states, and a reload that keeps the old data while it runs.
import { useCallback, useEffect, useRef, useState } from 'react';
import { api } from '../api.js';

export interface Resource<T> {
  readonly data: T | undefined;
  readonly error: Error | undefined;
  readonly loading: boolean;
  reload(): void;
}

export function useApi<T>(path: string | undefined): Resource<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<Error>();
  const [loading, setLoading] = useState(path !== undefined);
  const [generation, setGeneration] = useState(0);
  const current = useRef(0);

  useEffect(() => {
    if (path === undefined) return;
    const id = ++current.current;
    setLoading(true);
    api.get<T>(path).then(
      (value) => {
        if (id !== current.current) return;
        setData(value);
        setError(undefined);
        setLoading(false);
      },
      (err: unknown) => {
        if (id !== current.current) return;
        setError(err instanceof Error ? err : new Error(String(err)));
        setLoading(false);
      },
    );
  }, [path, generation]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { data, error, loading, reload };
}
