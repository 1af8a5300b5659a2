// Whether a tray icon can be shown at all: on Linux and the BSDs that needs an X11 or Wayland session; macOS and
// Windows always have a menu bar or notification area for a logged-in user.

export class TrayUnavailableError extends Error {}

/** The reason no tray can be shown, or undefined when a display is there. */
export function missingDisplay(platform: NodeJS.Platform, env: NodeJS.ProcessEnv): string | undefined {
  if (platform === 'darwin' || platform === 'win32') return undefined;
  if (env.DISPLAY || env.WAYLAND_DISPLAY) return undefined;
  return 'no graphical display: DISPLAY and WAYLAND_DISPLAY are not set. Run `tokenomics tray` inside a desktop session (or use `tokenomics status` on a terminal)';
}
