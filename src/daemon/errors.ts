// Failures of the daemon the user can act on (kept apart from the modules that raise them, so the CLI can
// recognise them without loading the server).

/** The daemon cannot start or run as configured; the message says what to change. */
export class DaemonError extends Error {}

/** TLS material is missing, unreadable or inconsistent. */
export class TlsError extends Error {}
