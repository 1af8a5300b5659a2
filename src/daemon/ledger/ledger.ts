// The daemon's ledger for one run: the session (id, git snapshot), its journal of finished requests, the
// communication events of `ledger.event_ledger`, and the recovery of earlier sessions that ended in a crash.
import type { Config } from '../../core/config/types.js';
import type { CommunicationEvent, RequestEntry, SessionSummary } from '../../core/ledger/types.js';
import { gitCommit, gitSnapshot } from './git.js';
import { recoverJournals, SessionJournal } from './journal.js';
import type { Warn } from './session-files.js';

export class Ledger {
  readonly #journal: SessionJournal;
  readonly #cwd: string;
  /** Whether communication events are recorded (`ledger.event_ledger`). */
  readonly eventLedger: boolean;

  private constructor(
    journal: SessionJournal,
    cwd: string,
    eventLedger: boolean,
    /** The sessions recovered from crashed journals at this start (the counters catch up with them). */
    readonly recovered: readonly SessionSummary[],
  ) {
    this.#journal = journal;
    this.#cwd = cwd;
    this.eventLedger = eventLedger;
  }

  /** Recovers crashed sessions, then starts this one; undefined when `ledger.enabled` is off. */
  static async open(config: Config, options: { cwd: string; warn: Warn; info: (message: string) => void }): Promise<Ledger | undefined> {
    if (!config.ledger.enabled) return undefined;
    const recovered = await recoverJournals(config.dir, options.warn);
    for (const session of recovered) {
      options.info(`recovered session ${session.session_id} (${session.totals.request_count} requests) from its journal; the daemon had not shut down cleanly`);
    }
    const journal = SessionJournal.open({ dir: config.dir, git: await gitSnapshot(options.cwd), warn: options.warn });
    return new Ledger(journal, options.cwd, config.ledger.event_ledger, recovered);
  }

  get sessionId(): string {
    return this.#journal.sessionId;
  }

  /** Appends a finished request to the journal now (one write; never throws). */
  record(entry: RequestEntry): void {
    this.#journal.appendRequest(entry);
  }

  event(event: CommunicationEvent): void {
    if (this.eventLedger) this.#journal.appendEvent(event);
  }

  /** Ends the session: its JSON is written with the commit at the end. */
  async close(): Promise<void> {
    await this.#journal.close(await gitCommit(this.#cwd));
  }
}
