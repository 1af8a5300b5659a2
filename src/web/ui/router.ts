// Path routing under /admin/: tabs are real links (/admin/keys, /admin/sessions/<id>) that the SPA handles without
// a reload; the daemon answers any /admin/<path> with index.html so a reload or a pasted link lands on the same tab.
import { useEffect, useState, type MouseEvent } from 'react';

export const BASE = '/admin/';

export function currentRoute(): string[] {
  const path = window.location.pathname.startsWith(BASE) ? window.location.pathname.slice(BASE.length) : '';
  return path.split('/').filter(Boolean).map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return p;
    }
  });
}

export function navigate(to: string): void {
  if (to === window.location.pathname) return;
  window.history.pushState(null, '', to);
  window.dispatchEvent(new PopStateEvent('popstate'));
}

export function useRoute(): string[] {
  const [route, setRoute] = useState(currentRoute);
  useEffect(() => {
    const update = () => setRoute(currentRoute());
    window.addEventListener('popstate', update);
    return () => window.removeEventListener('popstate', update);
  }, []);
  return route;
}

export const href = (...parts: string[]): string => BASE + parts.map(encodeURIComponent).join('/');

/** Click handler for in-app links: plain left clicks route in place, modified clicks open as the browser would. */
export function onLinkClick(event: MouseEvent<HTMLAnchorElement>): void {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  navigate(event.currentTarget.pathname + event.currentTarget.search);
}
