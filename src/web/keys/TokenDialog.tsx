// The raw token, shown once right after it is created: the daemon stores only its hash.
import { useRef, useState } from 'react';
import type { CreatedKey } from '../api.js';
import { Dialog } from '../ui/Dialog.js';

export function TokenDialog({ created, onClose }: { created: CreatedKey; onClose: () => void }) {
  const [copied, setCopied] = useState<string>();
  const input = useRef<HTMLInputElement>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(created.token);
      setCopied('Copied to the clipboard.');
    } catch {
      input.current?.select();
      setCopied('The browser refused the clipboard; the token is selected, press Ctrl+C.');
    }
  };
  return (
    <Dialog title="Key created" onClose={onClose}>
      <p>
        <strong>Store this token now: it is shown only once.</strong> The daemon keeps only its hash.
      </p>
      <div className="token-box">
        <input ref={input} readOnly value={created.token} aria-label="New token" className="token" onFocus={(e) => e.currentTarget.select()} />
        <button type="button" onClick={() => void copy()}>
          Copy
        </button>
      </div>
      {copied && <p role="status">{copied}</p>}
      <p className="hint">
        Hash {created.hash.slice(0, 16)} · expires {created.expires || 'never'}
      </p>
      <div className="dialog-actions">
        <button type="button" className="primary" onClick={onClose}>
          Done
        </button>
      </div>
    </Dialog>
  );
}
