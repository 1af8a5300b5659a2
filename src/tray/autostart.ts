// `tokenomics tray --install-autostart`: the entry that starts the tray at login, in each platform's own place:
// an XDG autostart .desktop file on Linux, a LaunchAgent on macOS, a hidden-window script in the Startup folder on
// Windows. The entry runs this Node with this CLI and the same --dir/--config, so it starts the same gateway.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface AutostartEntry {
  readonly path: string;
  readonly content: string;
}

export interface AutostartTarget {
  readonly platform: NodeJS.Platform;
  readonly env: NodeJS.ProcessEnv;
  readonly home: string;
  /** The full command line: node, the CLI, its global flags, `tray`. */
  readonly command: readonly string[];
}

export const LAUNCH_AGENT_LABEL = 'dev.tokenomics.tray';

/**
 * One argument of a .desktop Exec line: quoted when needed, reserved characters backslash-escaped inside the quotes,
 * then every backslash doubled (the spec applies the string escapes before the quoting rule); `%` is doubled.
 */
export function desktopExecArg(arg: string): string {
  const escaped = arg.replace(/%/g, '%%');
  if (/^[A-Za-z0-9_./:=@+,%-]+$/.test(escaped)) return escaped;
  return `"${escaped.replace(/(["`$\\])/g, '\\$1')}"`.replace(/\\/g, '\\\\');
}

function xmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A VBScript string literal: quotes doubled. */
function vbsString(text: string): string {
  return `"${text.replace(/"/g, '""')}"`;
}

/** A Windows command-line argument (CommandLineToArgvW rules). */
function windowsArg(arg: string): string {
  if (arg !== '' && !/[\s"]/.test(arg)) return arg;
  return `"${arg.replace(/(\\*)"/g, '$1$1\\"').replace(/(\\+)$/, '$1$1')}"`;
}

export function autostartEntry(target: AutostartTarget): AutostartEntry {
  const { platform, env, home, command } = target;
  if (platform === 'darwin') {
    const args = command.map((arg) => `    <string>${xmlEscape(arg)}</string>`).join('\n');
    return {
      path: join(home, 'Library', 'LaunchAgents', `${LAUNCH_AGENT_LABEL}.plist`),
      content: `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
  <key>Label</key>
  <string>${LAUNCH_AGENT_LABEL}</string>
  <key>ProgramArguments</key>
  <array>
${args}
  </array>
  <key>RunAtLoad</key>
  <true/>
  <key>ProcessType</key>
  <string>Interactive</string>
</dict>
</plist>
`,
    };
  }
  if (platform === 'win32') {
    const appData = env.APPDATA ?? join(home, 'AppData', 'Roaming');
    const line = command.map(windowsArg).join(' ');
    return {
      path: join(appData, 'Microsoft', 'Windows', 'Start Menu', 'Programs', 'Startup', 'Tokenomics Tray.vbs'),
      // Window style 0: node.exe would otherwise open a console window at every login.
      content: `' Starts the Tokenomics tray at login (written by tokenomics tray --install-autostart).\r\nCreateObject("WScript.Shell").Run ${vbsString(line)}, 0, False\r\n`,
    };
  }
  const configHome = env.XDG_CONFIG_HOME || join(home, '.config');
  return {
    path: join(configHome, 'autostart', 'tokenomics-tray.desktop'),
    content: `[Desktop Entry]
Type=Application
Name=Tokenomics
Comment=Tray icon for the Tokenomics AI gateway
Exec=${command.map(desktopExecArg).join(' ')}
Terminal=false
X-GNOME-Autostart-enabled=true
`,
  };
}

export function installAutostart(target: AutostartTarget): AutostartEntry {
  const entry = autostartEntry(target);
  mkdirSync(dirname(entry.path), { recursive: true });
  writeFileSync(entry.path, entry.content, { mode: 0o644 });
  return entry;
}

/** Removes the entry; returns its path and whether there was one. */
export function removeAutostart(target: AutostartTarget): { path: string; removed: boolean } {
  const { path } = autostartEntry(target);
  let removed = true;
  try {
    rmSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    removed = false;
  }
  return { path, removed };
}
