// Whether a tray icon can be shown at all. On Linux and the BSDs that needs an X11 or Wayland session and something
// that shows tray icons: a StatusNotifierWatcher on the session bus (KDE, GNOME with the AppIndicator extension,
// waybar…) or an XEmbed system tray on the X display. macOS and Windows always have a menu bar or notification area.
import { execFile } from 'node:child_process';
import { xembedTrayRuns } from './x11-probe.js';

export class TrayUnavailableError extends Error {}

/** The reason no tray can be shown, or undefined when a display is there. */
export function missingDisplay(platform: NodeJS.Platform, env: NodeJS.ProcessEnv): string | undefined {
  if (platform === 'darwin' || platform === 'win32') return undefined;
  if (env.DISPLAY || env.WAYLAND_DISPLAY) return undefined;
  return 'no graphical display: DISPLAY and WAYLAND_DISPLAY are not set. Run `tokenomics tray` inside a desktop session (or use `tokenomics status` on a terminal)';
}

const WATCHERS = ['org.kde.StatusNotifierWatcher', 'org.freedesktop.StatusNotifierWatcher'];

/** Asks the session bus whether a name has an owner: true/false, or undefined without dbus-send. */
function busNameOwned(name: string, env: NodeJS.ProcessEnv): Promise<boolean | undefined> {
  return new Promise((resolve) => {
    execFile(
      'dbus-send',
      ['--session', '--print-reply', '--dest=org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus.NameHasOwner', `string:${name}`],
      { env, timeout: 2000 },
      (err, stdout) => {
        if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') return resolve(undefined);
        // No session bus at all: nothing can watch for status notifier items.
        resolve(!err && /boolean true/.test(stdout));
      },
    );
  });
}

/**
 * The reason no tray host is there, or undefined when there is one or it cannot be told. Set
 * TOKENOMICS_TRAY_HOST_CHECK=0 to skip the check on a desktop where it is wrong.
 */
export async function missingTrayHost(platform: NodeJS.Platform, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  if (platform === 'darwin' || platform === 'win32' || env.TOKENOMICS_TRAY_HOST_CHECK === '0') return undefined;
  const [sni, xembed] = await Promise.all([
    Promise.all(WATCHERS.map((name) => busNameOwned(name, env))).then((owned) => (owned.includes(true) ? true : owned.includes(undefined) ? undefined : false)),
    env.DISPLAY ? xembedTrayRuns(env.DISPLAY, env) : Promise.resolve(false),
  ]);
  if (sni !== false || xembed !== false) return undefined;
  return `no tray host: nothing on this desktop shows tray icons (no StatusNotifierWatcher on the session bus${env.DISPLAY ? `, no system tray on X display ${env.DISPLAY}` : ''}). Enable your panel's tray or AppIndicator support, or use \`tokenomics status\``;
}
