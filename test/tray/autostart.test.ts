// `tokenomics tray --install-autostart|--remove-autostart` on Linux (the real files under a scratch HOME), and the
// entries the other platforms get: a LaunchAgent plist and a Startup-folder script, with awkward paths quoted.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { autostartEntry, desktopExecArg } from '../../src/tray/autostart.js';
import { CLI, runCli, scratchDir } from '../helpers/cli.js';

const scratch = scratchDir('tokenomics-autostart-');
const home = scratch.path;
afterAll(() => scratch.cleanup());

describe('tokenomics tray --install-autostart (Linux)', () => {
  const dir = join(home, 'data dir');
  const entry = join(home, '.config', 'autostart', 'tokenomics-tray.desktop');

  it('writes an XDG autostart entry that runs this CLI with the same --dir', async () => {
    const result = await runCli(['--dir', dir, 'tray', '--install-autostart'], { home, env: { XDG_CONFIG_HOME: undefined } });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe(`Autostart entry written: ${entry}`);
    const text = readFileSync(entry, 'utf8');
    expect(text).toContain('[Desktop Entry]\nType=Application\nName=Tokenomics\n');
    expect(text).toContain(`\nExec=${process.execPath} ${CLI} --dir "${dir}" tray\n`);
  });

  it('honours XDG_CONFIG_HOME', async () => {
    const config = join(home, 'xdg');
    const result = await runCli(['tray', '--install-autostart'], { home, env: { XDG_CONFIG_HOME: config } });
    expect(result.code, result.stderr).toBe(0);
    expect(existsSync(join(config, 'autostart', 'tokenomics-tray.desktop'))).toBe(true);
  });

  it('--remove-autostart removes it, and says so when there is none', async () => {
    const removed = await runCli(['tray', '--remove-autostart'], { home, env: { XDG_CONFIG_HOME: undefined } });
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout.trim()).toBe(`Autostart entry removed: ${entry}`);
    expect(existsSync(entry)).toBe(false);
    const again = await runCli(['tray', '--remove-autostart'], { home, env: { XDG_CONFIG_HOME: undefined } });
    expect(again.stdout.trim()).toBe(`No autostart entry at ${entry}`);
  });

  it('refuses both flags at once', async () => {
    const result = await runCli(['tray', '--install-autostart', '--remove-autostart'], { home });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--install-autostart and --remove-autostart exclude each other');
  });
});

describe('autostart entries of other platforms', () => {
  const command = ['/opt/node/bin/node', '/opt/tokenomics/dist/cli/main.js', '--dir', '/Users/ann/My "AI" <dir> & co', 'tray'];

  it('macOS: a LaunchAgent with each argument as an escaped <string>, run at load', () => {
    const entry = autostartEntry({ platform: 'darwin', env: {}, home: '/Users/ann', command });
    expect(entry.path).toBe('/Users/ann/Library/LaunchAgents/dev.tokenomics.tray.plist');
    expect(entry.content).toContain('<string>/Users/ann/My &quot;AI&quot; &lt;dir&gt; &amp; co</string>');
    expect(entry.content).toContain('<key>RunAtLoad</key>\n  <true/>');
    expect(entry.content).toContain('<string>dev.tokenomics.tray</string>');
  });

  it('Windows: a script in the Startup folder that runs the command without a console window', () => {
    const entry = autostartEntry({
      platform: 'win32',
      env: { APPDATA: 'C:\\Users\\Ann\\AppData\\Roaming' },
      home: 'C:\\Users\\Ann',
      command: ['C:\\Program Files\\nodejs\\node.exe', 'C:\\tk\\main.js', 'tray'],
    });
    expect(entry.path.endsWith(join('Microsoft', 'Windows', 'Start Menu', 'Programs', 'Startup', 'Tokenomics Tray.vbs'))).toBe(true);
    expect(entry.content).toContain('CreateObject("WScript.Shell").Run """C:\\Program Files\\nodejs\\node.exe"" C:\\tk\\main.js tray", 0, False');
  });

  it('Linux Exec lines quote spaces and escape what the desktop entry spec reserves', () => {
    expect(desktopExecArg('/usr/bin/node')).toBe('/usr/bin/node');
    expect(desktopExecArg('/home/ann/My dir')).toBe('"/home/ann/My dir"');
    // Inside quotes: \" \$ \` \\ ; then the string escapes double every backslash.
    expect(desktopExecArg('a"b$c`d\\e')).toBe('"a\\\\"b\\\\$c\\\\`d\\\\\\\\e"');
    expect(desktopExecArg('100%')).toBe('100%%');
  });
});
