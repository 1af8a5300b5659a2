// A small Markdown renderer that builds React elements only (no HTML strings, no dangerouslySetInnerHTML): headings,
// paragraphs, lists (nested by indentation), fenced code, tables, block quotes, rules, links, inline code, emphasis.
// Raw HTML in the source shows as text. Links go out only to http(s)/mailto; `other.md` links open that doc here.
import type { ReactNode } from 'react';

export interface LinkTarget {
  /** Maps a relative link such as `policies.md#budgets` to an in-app href, or undefined to show it as text. */
  readonly resolveRelative: (target: string) => string | undefined;
  readonly onInternalClick?: (event: React.MouseEvent<HTMLAnchorElement>) => void;
}

export function slugify(text: string): string {
  return text
    .toLowerCase()
    .replace(/[`*_[\]()]/g, '')
    .replace(/[^\p{L}\p{N}\s-]/gu, '')
    .trim()
    .replace(/\s+/g, '-');
}

// ---- inline ---------------------------------------------------------------------------------------------------

function findClose(text: string, from: number, open: string, close: string): number {
  let depth = 0;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') i++;
    else if (c === open) depth++;
    else if (c === close) {
      if (depth === 0) return i;
      depth--;
    }
  }
  return -1;
}

function safeHref(url: string, links: LinkTarget): { href: string; external: boolean } | undefined {
  const u = url.trim();
  if (/^https?:\/\//i.test(u) || /^mailto:/i.test(u)) return { href: u, external: true };
  if (u.startsWith('#')) return { href: u, external: false };
  if (/^[a-z][a-z0-9+.-]*:/i.test(u)) return undefined; // javascript:, data: and friends
  const inApp = links.resolveRelative(u);
  return inApp ? { href: inApp, external: false } : undefined;
}

const isWordChar = (c: string | undefined) => c !== undefined && /[\p{L}\p{N}]/u.test(c);

export function renderInline(text: string, links: LinkTarget, key = 'i'): ReactNode[] {
  const out: ReactNode[] = [];
  let buf = '';
  let n = 0;
  const flush = () => {
    if (buf) out.push(buf);
    buf = '';
  };
  const push = (node: ReactNode) => {
    flush();
    out.push(node);
  };
  for (let i = 0; i < text.length; ) {
    const c = text[i]!;
    const k = `${key}.${n++}`;
    if (c === '\\' && i + 1 < text.length && /[!-/:-@[-`{-~]/.test(text[i + 1]!)) {
      buf += text[i + 1];
      i += 2;
      continue;
    }
    if (c === '`') {
      const run = /^`+/.exec(text.slice(i))![0];
      const end = text.indexOf(run, i + run.length);
      if (end > 0) {
        push(<code key={k}>{text.slice(i + run.length, end).replace(/^ (.*) $/, '$1')}</code>);
        i = end + run.length;
        continue;
      }
      buf += run;
      i += run.length;
      continue;
    }
    if (c === '[' || (c === '!' && text[i + 1] === '[')) {
      const image = c === '!';
      const start = image ? i + 2 : i + 1;
      const close = findClose(text, start, '[', ']');
      if (close > 0 && text[close + 1] === '(') {
        const end = findClose(text, close + 2, '(', ')');
        if (end > 0) {
          const label = text.slice(start, close);
          const url = text.slice(close + 2, end).split(/\s+"/)[0]!;
          if (image) push(<span key={k} className="md-image">[{label || 'image'}]</span>);
          else {
            const target = safeHref(url, links);
            const children = renderInline(label, links, k);
            if (!target) push(<span key={k}>{children}</span>);
            else if (target.external) push(<a key={k} href={target.href} target="_blank" rel="noreferrer noopener">{children}</a>);
            else push(<a key={k} href={target.href} onClick={target.href.startsWith('#') ? undefined : links.onInternalClick}>{children}</a>);
          }
          i = end + 1;
          continue;
        }
      }
    }
    if (c === '<') {
      const auto = /^<(https?:\/\/[^\s<>]+)>/.exec(text.slice(i));
      if (auto) {
        push(<a key={k} href={auto[1]} target="_blank" rel="noreferrer noopener">{auto[1]}</a>);
        i += auto[0].length;
        continue;
      }
    }
    if ((c === '*' || c === '_') && text[i + 1] === c) {
      const end = text.indexOf(c + c, i + 2);
      if (end > i + 2 && (c === '*' || !isWordChar(text[i - 1]))) {
        push(<strong key={k}>{renderInline(text.slice(i + 2, end), links, k)}</strong>);
        i = end + 2;
        continue;
      }
    }
    if ((c === '*' || c === '_') && text[i + 1] !== ' ' && text[i + 1] !== undefined && (c === '*' || !isWordChar(text[i - 1]))) {
      let end = -1;
      for (let j = i + 1; j < text.length; j++) {
        if (text[j] === '\\') j++;
        else if (text[j] === c && text[j - 1] !== ' ' && (c === '*' || !isWordChar(text[j + 1]))) {
          end = j;
          break;
        }
      }
      if (end > i + 1) {
        push(<em key={k}>{renderInline(text.slice(i + 1, end), links, k)}</em>);
        i = end + 1;
        continue;
      }
    }
    buf += c;
    i++;
  }
  flush();
  return out;
}

// ---- blocks ---------------------------------------------------------------------------------------------------

const LIST_ITEM = /^(\s*)([-*+]|\d+[.)])\s+(.*)$/;
const FENCE = /^\s*(```|~~~)\s*([\w+-]*)/;
const HEADING = /^(#{1,6})\s+(.*?)\s*#*\s*$/;
const RULE = /^\s*([-*_])(\s*\1){2,}\s*$/;
const TABLE_SEP = /^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/;

const indentOf = (line: string) => /^\s*/.exec(line)![0].replace(/\t/g, '    ').length;

function splitRow(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let code = false;
  const body = line.trim().replace(/^\|/, '').replace(/\|$/, '');
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === '\\' && body[i + 1] === '|') {
      cell += '|';
      i++;
    } else if (c === '`') {
      code = !code;
      cell += c;
    } else if (c === '|' && !code) {
      cells.push(cell.trim());
      cell = '';
    } else cell += c;
  }
  cells.push(cell.trim());
  return cells;
}

function startsBlock(line: string, next: string | undefined): boolean {
  return HEADING.test(line) || FENCE.test(line) || RULE.test(line) || LIST_ITEM.test(line) || /^\s*>/.test(line) || (line.includes('|') && next !== undefined && TABLE_SEP.test(next));
}

export function renderBlocks(lines: readonly string[], links: LinkTarget, key = 'b', tight = false): ReactNode[] {
  const out: ReactNode[] = [];
  let i = 0;
  let n = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    const k = `${key}.${n++}`;
    if (line.trim() === '') {
      i++;
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence) {
      const body: string[] = [];
      i++;
      while (i < lines.length && !lines[i]!.trim().startsWith(fence[1]!)) body.push(lines[i++]!);
      i++;
      out.push(
        <pre key={k} className="md-code" data-lang={fence[2] || undefined}>
          <code>{body.join('\n')}</code>
        </pre>,
      );
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      const level = Math.min(6, heading[1]!.length + 1);
      const Tag = `h${level}` as 'h2';
      out.push(<Tag key={k} id={slugify(heading[2]!)}>{renderInline(heading[2]!, links, k)}</Tag>);
      i++;
      continue;
    }
    if (RULE.test(line)) {
      out.push(<hr key={k} />);
      i++;
      continue;
    }
    if (/^\s*>/.test(line)) {
      const body: string[] = [];
      while (i < lines.length && /^\s*>/.test(lines[i]!)) body.push(lines[i++]!.replace(/^\s*>\s?/, ''));
      out.push(<blockquote key={k}>{renderBlocks(body, links, k)}</blockquote>);
      continue;
    }
    if (line.includes('|') && i + 1 < lines.length && TABLE_SEP.test(lines[i + 1]!)) {
      const head = splitRow(line);
      const rows: string[][] = [];
      i += 2;
      while (i < lines.length && lines[i]!.includes('|') && lines[i]!.trim() !== '') rows.push(splitRow(lines[i++]!));
      out.push(
        <div key={k} className="table-wrap">
          <table className="md-table">
            <thead>
              <tr>
                {head.map((h, c) => (
                  <th key={c} scope="col">
                    {renderInline(h, links, `${k}.h${c}`)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((row, r) => (
                <tr key={r}>
                  {head.map((_, c) => (
                    <td key={c}>{renderInline(row[c] ?? '', links, `${k}.${r}.${c}`)}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>,
      );
      continue;
    }
    const item = LIST_ITEM.exec(line);
    if (item) {
      const base = indentOf(line);
      const ordered = /\d/.test(item[2]!);
      const items: string[][] = [];
      let looseGap = false;
      while (i < lines.length) {
        const l = lines[i]!;
        const m = LIST_ITEM.exec(l);
        if (m && indentOf(l) === base && /\d/.test(m[2]!) === ordered) {
          items.push([m[3]!]);
          i++;
          continue;
        }
        if (l.trim() === '') {
          // a blank line continues the list only when the next line is indented or another item
          const next = lines[i + 1];
          const nextItem = next === undefined ? null : LIST_ITEM.exec(next);
          const sameList = nextItem !== null && indentOf(next!) === base && /\d/.test(nextItem[2]!) === ordered;
          if (next !== undefined && next.trim() !== '' && (indentOf(next) > base || sameList)) {
            looseGap = true;
            items[items.length - 1]!.push('');
            i++;
            continue;
          }
          break;
        }
        if (indentOf(l) > base) {
          items[items.length - 1]!.push(l.slice(Math.min(indentOf(l), base + 2)));
          i++;
          continue;
        }
        if (!startsBlock(l, lines[i + 1])) {
          items[items.length - 1]!.push(l.trim()); // lazy continuation of the item's paragraph
          i++;
          continue;
        }
        break;
      }
      const children = items.map((body, j) => <li key={j}>{renderBlocks(body, links, `${k}.${j}`, !looseGap)}</li>);
      out.push(ordered ? <ol key={k} start={Number.parseInt(item[2]!, 10) || 1}>{children}</ol> : <ul key={k}>{children}</ul>);
      continue;
    }
    const para: string[] = [];
    while (i < lines.length && lines[i]!.trim() !== '' && (para.length === 0 || !startsBlock(lines[i]!, lines[i + 1]))) para.push(lines[i++]!.trim());
    const content = renderInline(para.join(' '), links, k);
    out.push(tight ? <span key={k} className="md-tight">{content}</span> : <p key={k}>{content}</p>);
  }
  return out;
}

export function Markdown({ source, links }: { source: string; links: LinkTarget }) {
  return <div className="markdown">{renderBlocks(source.replace(/\r\n?/g, '\n').split('\n'), links)}</div>;
}
