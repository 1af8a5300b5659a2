// `tokenomics ledger summary|sessions|show|daily|monthly`: reports over the session ledger in `{dir}/sessions`.
// Reads through the rollup index (src/daemon/ledger/ledger-index.ts), so reports over many sessions stay fast.
import { Command, Option } from 'commander';
import {
  findSession,
  GROUP_BY,
  listSessions,
  parseDay,
  periodReport,
  summarizeDigests,
  type DayRange,
  type GroupBy,
  type PeriodKind,
} from '../../core/ledger/report.js';
import type { SessionSummary } from '../../core/ledger/types.js';
import { loadLedger, readSession, type LedgerView } from '../../daemon/ledger/ledger-index.js';
import { CliError, EXIT_USAGE } from '../errors.js';
import { loadCommandConfig, printJson } from '../context.js';
import { periodText, periodTitle, sessionsText, sessionText, summaryText } from '../format/ledger-text.js';
import { loadTui } from '../interactive.js';

interface CommonOptions {
  json?: boolean;
}

interface RangeOptions extends CommonOptions {
  since?: string;
  until?: string;
}

interface PeriodOptions extends RangeOptions {
  by?: GroupBy;
  breakdown?: boolean;
}

/** Warnings on stderr, each once per run (a damaged file is met by the report and again when it is shown). */
function makeWarn(): (message: string) => void {
  const seen = new Set<string>();
  return (message) => {
    if (seen.has(message)) return;
    seen.add(message);
    process.stderr.write(`warning: ${message}\n`);
  };
}


function print(lines: readonly string[]): void {
  process.stdout.write(`${lines.join('\n')}\n`);
}

/**
 * `--dir <path>` is the global flag (the ledger is `<path>/sessions`), so the help of every report lists the global
 * options rather than a second `--dir` of its own.
 */
function withCommonOptions(command: Command): Command {
  return command
    .option('--json', 'print JSON instead of a table')
    .configureHelp({ showGlobalOptions: true })
    .addHelpText('after', "\nReads {dir}/sessions: --dir <path>, else the config's dir (default ~/.tokenomics).");
}

function withRangeOptions(command: Command): Command {
  return command
    .option('--since <date>', 'only requests on or after this UTC day (YYYY-MM-DD or YYYYMMDD)')
    .option('--until <date>', 'only requests on or before this UTC day (YYYY-MM-DD or YYYYMMDD)');
}

function dayRange(opts: RangeOptions): DayRange {
  const parse = (flag: string, value: string | undefined): string | undefined => {
    if (value === undefined) return undefined;
    const day = parseDay(value);
    if (!day) throw new CliError(`invalid ${flag} "${value}": give a day as YYYY-MM-DD or YYYYMMDD`, EXIT_USAGE);
    return day;
  };
  const range: DayRange = { since: parse('--since', opts.since), until: parse('--until', opts.until) };
  if (range.since && range.until && range.since > range.until) {
    throw new CliError(`--since ${range.since} is after --until ${range.until}: swap them`, EXIT_USAGE);
  }
  return range;
}

async function openLedger(command: Command): Promise<{ view: LedgerView; warn: (message: string) => void }> {
  const { config } = loadCommandConfig(command);
  const warn = makeWarn();
  const view = await loadLedger(config.dir, warn);
  if (!view.exists) {
    warn(`no ledger at ${view.sessionsDir}: the proxy writes it while it runs (ledger.enabled); use --dir to read another directory`);
  }
  return { view, warn };
}

function rangeWords(range: DayRange): string {
  if (range.since && range.until) return `${range.since} to ${range.until}`;
  if (range.since) return `from ${range.since}`;
  if (range.until) return `until ${range.until}`;
  return '';
}

function periodCommand(kind: PeriodKind): Command {
  const command = new Command(kind)
    .description(kind === 'daily' ? 'Usage and cost per UTC day' : 'Usage and cost per UTC month')
    .addOption(new Option('--by <key>', 'one row per period and model, token (hash), provider or git branch').choices(GROUP_BY))
    .option('--breakdown', 'split each row by model');
  withRangeOptions(withCommonOptions(command));
  command.addHelpText(
    'after',
    `
Rows are UTC ${kind === 'daily' ? 'days (YYYY-MM-DD)' : 'months (YYYY-MM)'} of each request's timestamp, and a totals row.
--since and --until select whole UTC days, both included. CACHE READ = cached input tokens,
CACHE WRITE = cache creation tokens, ERRORS = requests answered with status >= 400 (refusals included).
JSON: {"report", "since", "until", "by", "rows": [{"period", "key"?, "requests", ..., "models", "breakdown"?}], "totals"}

Examples:
  tokenomics ledger ${kind} --since 2025-01-01 --until 20250131
  tokenomics ledger ${kind} --by model --breakdown
  tokenomics ledger ${kind} --by token --json`,
  );
  return command.action(async (opts: PeriodOptions, cmd: Command) => {
    const range = dayRange(opts);
    const { view } = await openLedger(cmd);
    const report = periodReport(
      view.sessions.map((s) => s.digest),
      { kind, range, by: opts.by, breakdown: opts.breakdown },
    );
    if (opts.json) return printJson(report);
    if (!view.sessions.length) return print(['No sessions found.']);
    const when = rangeWords(range);
    if (!report.rows.length) return print([`No requests found${when ? ` ${when}` : ''}.`]);
    print([`${periodTitle(kind)} (UTC)${when ? `, ${when}` : ''}`, '', ...periodText(report)]);
  });
}

export function makeLedgerCommand(): Command {
  const ledger = new Command('ledger')
    .description('Reports over the session ledger: totals, sessions, one session, daily and monthly usage')
    .addHelpText(
      'after',
      `
Without a subcommand: on a terminal, an interactive browser over the sessions and the daily and monthly reports
(Tab/arrows switch views, up/down move, ? help, q quit); otherwise what 'ledger summary' prints.
The ledger is {dir}/sessions: one JSON file per finished daemon session (<YYYY-MM-DD>_<id>.json) and one journal per
running or unrecovered session (.jsonl). Reports keep a rollup index there (.index.jsonl) and rebuild it as needed.`,
    );

  const summary = withRangeOptions(withCommonOptions(new Command('summary')))
    .description('Totals over all sessions, by model and by provider (with cost in USD)')
    .addHelpText('after', '\nJSON: {"sessions": n, "totals": {...}, "by_model": {...}, "by_provider": {...}, "by_token": {...}}')
    .action(async (opts: RangeOptions, cmd: Command) => {
      const range = dayRange(opts);
      const { view } = await openLedger(cmd);
      const result = summarizeDigests(view.sessions.map((s) => s.digest), range);
      if (opts.json) return printJson(result);
      if (!result.sessions) return print(['No sessions found.']);
      print(summaryText(result));
    });

  const sessions = withRangeOptions(withCommonOptions(new Command('sessions')))
    .description('List sessions by start time: id, start, duration, requests, tokens, git branch')
    .addHelpText('after', '\nJSON: an array of the full session objects (requests included).')
    .action(async (opts: RangeOptions, cmd: Command) => {
      const range = dayRange(opts);
      const { view, warn } = await openLedger(cmd);
      const listed = listSessions(view.sessions.map((s) => ({ ...s.digest, file: s.file })), range);
      if (opts.json) {
        const full: SessionSummary[] = [];
        for (const s of listed) {
          const session = await readSession(s.file, warn);
          if (session) full.push(session);
        }
        return printJson(full);
      }
      if (!listed.length) return print(['No sessions found.']);
      print(sessionsText(listed));
    });

  const show = withCommonOptions(new Command('show'))
    .description('Show one session: times, git, totals, by model and by provider')
    .argument('<id>', 'session id, or the first characters of one')
    .addHelpText('after', '\nJSON: the full session object (requests included).')
    .action(async (id: string, opts: CommonOptions, cmd: Command) => {
      const { view, warn } = await openLedger(cmd);
      const { match, candidates } = findSession(view.sessions.map((s) => ({ ...s.digest, file: s.file })), id);
      if (!match) throw new CliError(`session "${id}" not found in ${view.sessionsDir}; 'tokenomics ledger sessions' lists the sessions`);
      if (candidates > 1) warn(`"${id}" matches ${candidates} sessions; showing ${match.session_id} (give more characters to pick another)`);
      const session = await readSession(match.file, warn);
      if (!session) throw new CliError(`session "${id}": ${match.file.path} can no longer be read (see the warning above)`);
      if (opts.json) return printJson(session);
      print(sessionText(session, match, summarizeDigests([match]), { open: match.file.kind === 'journal' }));
    });

  for (const command of [summary, sessions, show, periodCommand('daily'), periodCommand('monthly')]) ledger.addCommand(command);
  // No subcommand: on a terminal the interactive browser, otherwise what `ledger summary` prints.
  ledger.action(async (_opts: unknown, cmd: Command) => {
    const { view } = await openLedger(cmd);
    if (process.stdout.isTTY && process.stdin.isTTY) {
      const { ledgerData, runLedgerBrowser } = await loadTui();
      const open = new Set(view.sessions.filter((s) => s.file.kind === 'journal').map((s) => s.digest.session_id));
      return runLedgerBrowser(ledgerData(view.sessionsDir, view.sessions.map((s) => s.digest), open));
    }
    const result = summarizeDigests(view.sessions.map((s) => s.digest));
    print(result.sessions ? summaryText(result) : ['No sessions found.']);
  });
  return ledger;
}
