// The loading, error and empty states every tab shows, so an unreachable daemon or an empty ledger reads the same way.
import type { ReactNode } from 'react';
import type { Resource } from './use-api.js';

export function Loading({ what }: { what: string }) {
  return (
    <p className="state loading" role="status">
      Loading {what}…
    </p>
  );
}

export function ErrorState({ error, retry, what }: { error: Error; retry?: () => void; what: string }) {
  return (
    <div className="state error" role="alert">
      <p>
        Could not load {what}: {error.message}
      </p>
      {retry && (
        <button type="button" onClick={retry}>
          Retry
        </button>
      )}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="state empty">{children}</p>;
}

/** Renders the resource's state, or its data through `children` once loaded. */
export function ResourceView<T>({ resource, what, children }: { resource: Resource<T>; what: string; children: (data: T) => ReactNode }) {
  if (resource.data !== undefined) {
    return (
      <>
        {resource.error && <ErrorState error={resource.error} retry={resource.reload} what={what} />}
        {children(resource.data)}
      </>
    );
  }
  if (resource.error) return <ErrorState error={resource.error} retry={resource.reload} what={what} />;
  return <Loading what={what} />;
}
