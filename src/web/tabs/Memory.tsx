// Memory: the conversation files the memory feature writes, listed newest first, each viewable as plain text.
import type { MemoryFile } from '../api.js';
import { fmtBytes, fmtTime } from '../format.js';
import { href, onLinkClick } from '../ui/router.js';
import { Empty, ResourceView } from '../ui/states.js';
import { useApi } from '../ui/use-api.js';

const fileHref = (path: string) => href('memory', ...path.split('/'));
const fileApi = (path: string) => `/memory/files/${path.split('/').map(encodeURIComponent).join('/')}`;

function FileContent({ path }: { path: string }) {
  const file = useApi<{ path: string; content: string }>(fileApi(path));
  return (
    <section className="memory-file" aria-label={`File ${path}`}>
      <h2>{path}</h2>
      <ResourceView resource={file} what={path}>
        {(data) => (data.content === '' ? <Empty>The file is empty.</Empty> : <pre className="file-content">{data.content}</pre>)}
      </ResourceView>
    </section>
  );
}

export function MemoryTab({ path }: { path: string | undefined }) {
  const files = useApi<{ count: number; files: MemoryFile[] }>('/memory/files');
  return (
    <div className="memory">
      <div className="toolbar">
        <button type="button" onClick={files.reload}>
          Refresh
        </button>
      </div>
      <div className="split">
        <nav aria-label="Memory files" className="file-list">
          <ResourceView resource={files} what="the memory files">
            {(data) =>
              data.files.length === 0 ? (
                <Empty>No memory files. Keys whose policy enables memory write their conversations here.</Empty>
              ) : (
                <ul>
                  {data.files.map((f) => (
                    <li key={f.path}>
                      <a href={fileHref(f.path)} onClick={onLinkClick} aria-current={f.path === path ? 'page' : undefined}>
                        {f.path}
                      </a>
                      <span className="muted">
                        {' '}
                        {fmtBytes(f.size)} · {fmtTime(f.mod_time)}
                      </span>
                    </li>
                  ))}
                </ul>
              )
            }
          </ResourceView>
        </nav>
        {path ? <FileContent key={path} path={path} /> : <p className="muted">Choose a file to read it.</p>}
      </div>
    </div>
  );
}
