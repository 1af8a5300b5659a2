// Loads a static JSON file the build placed next to the page (not an API call, so no /admin/api prefix).
import { useCallback, useEffect, useState } from 'react';

export function useJsonAsset<T>(url: string): { data?: T; error?: Error; reload: () => void } {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<Error>();
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    let live = true;
    fetch(url)
      .then((res) => {
        if (!res.ok) throw new Error(`${url} answered ${res.status}`);
        return res.json() as Promise<T>;
      })
      .then(
        (value) => live && (setData(value), setError(undefined)),
        (err: unknown) => live && setError(err instanceof Error ? err : new Error(String(err))),
      );
    return () => {
      live = false;
    };
  }, [url, generation]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { data, error, reload };
}
