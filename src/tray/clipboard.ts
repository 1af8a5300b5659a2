// "Copy env exports": onto the clipboard through the platform's clipboard tool when there is one, else into a file
// under {dir} whose path the tray shows. Either way nothing secret is copied: the exports name $TOKENOMICS_KEY.
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { writeFileAtomic } from '../daemon/fs-safe.js';

export interface ClipboardTool {
  readonly command: string;
  readonly args: readonly string[];
}

/** The clipboard tools to try, best first, for a platform and session. */
export function clipboardCandidates(platform: NodeJS.Platform, env: NodeJS.ProcessEnv): ClipboardTool[] {
  if (platform === 'darwin') return [{ command: 'pbcopy', args: [] }];
  if (platform === 'win32') return [{ command: 'clip', args: [] }];
  const x11: ClipboardTool[] = [
    { command: 'xclip', args: ['-selection', 'clipboard'] },
    { command: 'xsel', args: ['--clipboard', '--input'] },
  ];
  const wayland: ClipboardTool[] = [{ command: 'wl-copy', args: [] }];
  return env.WAYLAND_DISPLAY ? [...wayland, ...x11] : [...x11, ...wayland];
}

/** The full path of an executable on PATH, or undefined. */
export function onPath(command: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const extensions = process.platform === 'win32' ? (env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';') : [''];
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    for (const ext of extensions) {
      const candidate = join(dir, command + ext);
      try {
        accessSync(candidate, constants.X_OK);
        return candidate;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

/** Feeds text to a clipboard tool; true when it took it. Bounded: xclip stays behind to serve the selection. */
function runTool(path: string, args: readonly string[], text: string): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(path, args, { stdio: ['pipe', 'ignore', 'ignore'], detached: process.platform !== 'win32' });
    const timer = setTimeout(() => resolve(true), 3000); // still serving the selection: it has the text
    child.once('error', () => {
      clearTimeout(timer);
      resolve(false);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code === 0);
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(text);
    child.unref();
  });
}

export type CopyOutcome = { readonly kind: 'clipboard'; readonly tool: string } | { readonly kind: 'file'; readonly path: string };

export async function copyText(text: string, fallbackFile: string, env: NodeJS.ProcessEnv = process.env): Promise<CopyOutcome> {
  for (const tool of clipboardCandidates(process.platform, env)) {
    const path = onPath(tool.command, env);
    if (path && (await runTool(path, tool.args, text))) return { kind: 'clipboard', tool: tool.command };
  }
  writeFileAtomic(fallbackFile, text, 0o600);
  return { kind: 'file', path: fallbackFile };
}
