/**
 * `omnia-voice calls [--limit N] [--since DATE] [--until DATE] [--status S] [--json]`: recent calls, newest
 * first; `omnia-voice calls show ID [--format md|txt|json|jsonl] [--out FILE]`: one call's record
 * and transcript.
 */
import { fstatSync, rmdirSync, type Stats, statSync, writeFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  type CallLog,
  describeEndReason,
  formatCost,
  getCallLog,
  isRecordComplete,
  listCallLogs,
  recordFacts,
  transcriptProblem,
} from '../../api/call-logs.js';
import { commandFor, flagTarget } from '../../api/command-hint.js';
import { ApiError, inSentence, serverOf } from '../../api/errors.js';
import { localAgentHost } from '../../api/local-serve.js';
import { KNOWN_END_REASONS } from '../../api/record-facts.js';
import type { ApiTarget } from '../../api/request.js';
import { closeMatches, normaliseName } from '../../api/suggest.js';
import { scrubSecrets } from '../../app/lifecycle.js';
import { LOCAL_END_REASONS, LOCAL_LIVE_STATUS } from '../../local-agent/call-log.js';
import { writeErrorReason } from '../../text/file-errors.js';
import {
  lockedReason,
  makeFolders as makeMissingFolders,
  writeFileAtomic,
} from '../../transcript/atomic.js';
import { transcriptFromCallLog } from '../../transcript/call-log.js';
import { writeToFifo } from '../../transcript/fifo.js';
import {
  cleanText,
  formatFromPath,
  formatTranscript,
  INLINE_CALL_LABEL,
  type TranscriptFormat,
} from '../../transcript/format.js';
import { formatDuration } from '../../transcript/summary.js';
import { type ApiFlags, commandApi } from './api-target.js';
import { droppedLine, layoutTable, type TableLayout } from './table.js';

/** A bad `calls` argument: one line, exit 2. */
export class CallsUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface CallsFlags extends ApiFlags {
  limit?: number;
  since?: string;
  until?: string;
  status?: string;
  json?: boolean;
}

/** Calls listed when `--limit` is not given. */
export const DEFAULT_CALLS_LIMIT = 20;

const UNIT_MS: Record<string, number> = {
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** `2026-05-01`, then optionally `T14:30`, `:05`, `.250`, then optionally `Z` or `+02:00`. */
const ISO_DATE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?([Zz]|[+-]\d{2}(?::?\d{2})?)?)?$/;

/**
 * `--since`: an age (`30m`, `12h`, `7d`, `2w`: that long before now) or an ISO date. A date alone
 * (`2026-05-01`) is local midnight, as the table's times are local; a date and time with no zone
 * (`2026-05-01T14:30`, `2026-05-01 14:30`) is local time; one with a zone (`…Z`, `…+09:00`) is
 * that instant. A date that does not exist (`2026-02-30`, `25:00`) is refused, not rolled over,
 * and so is a local time the clocks skip (`2026-03-08T02:30` in New York); a local time they
 * show twice is the first of the two.
 */
export function parseSince(value: string, nowMs: number = Date.now()): Date {
  return parseDateOption('--since', value, nowMs);
}

/**
 * `--until`: the same forms as `--since`; a date alone (`2026-05-01`) takes in that whole local
 * day, so `--since 2026-05-01 --until 2026-05-01` lists the calls of that day.
 */
export function parseUntil(value: string, nowMs: number = Date.now()): Date {
  const date = parseDateOption('--until', value, nowMs);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value.trim())) return date;
  const end = new Date(date);
  end.setDate(end.getDate() + 1);
  return new Date(end.getTime() - 1);
}

/** A date flag's value as a Date, or a usage error naming the flag and what is wrong. */
export function parseDateOption(flag: string, value: string, nowMs: number = Date.now()): Date {
  const shown = `${flag} ${JSON.stringify(value)}`;
  const refuse = (why: string) => new CallsUsageError(`${shown} is not a date: ${why}.`);
  const trimmed = value.trim();
  const age = /^(\d+)\s*([mhdw])$/i.exec(trimmed);
  // `6M` reads as six months to many: refused rather than taken for six minutes.
  if (age?.[2] === 'M') throw refuse('use m for minutes (months are not an age here: give a date)');
  if (age) {
    const date = new Date(nowMs - Number(age[1]) * (UNIT_MS[age[2]!.toLowerCase()] ?? 0));
    if (Number.isNaN(date.getTime())) throw refuse('that age reaches back before any date');
    return date;
  }
  const match = ISO_DATE.exec(trimmed);
  if (!match) {
    throw refuse(
      'use 2026-05-01 (from local midnight), 2026-05-01T14:30 (local time), ' +
        '2026-05-01T14:30Z or 2026-05-01T14:30+02:00 (that zone), or an age such as 30m, 12h, 7d or 2w',
    );
  }
  const [, y, mo, d, h, mi, sec, frac, zone] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h ?? 0);
  const minute = Number(mi ?? 0);
  const second = Number(sec ?? 0);
  const ms = Math.floor(Number(`0.${frac ?? '0'}`) * 1000);
  if (month < 1 || month > 12) throw refuse(`there is no month ${mo}`);
  const monthDays = month === 2 && isLeapYear(year) ? 29 : (MONTH_DAYS[month - 1] ?? 31);
  if (day < 1 || day > monthDays) {
    throw refuse(`${MONTHS[month - 1]} ${y} has ${monthDays} days`);
  }
  if (hour > 23) throw refuse(`there is no hour ${h} (00 to 23)`);
  if (minute > 59) throw refuse(`there is no minute ${mi} (00 to 59)`);
  if (second > 59) throw refuse(`there is no second ${sec} (00 to 59)`);
  const date = new Date(0);
  if (zone === undefined) {
    date.setFullYear(year, month - 1, day);
    date.setHours(hour, minute, second, ms);
    // A time the clocks skip (spring forward) would come back moved past the jump: refused. A
    // date alone is the first moment of that day, which is after the jump where midnight is
    // skipped. A time the clocks show twice (fall back) is the first of the two, as JavaScript
    // reads it; an offset (`…-05:00`) picks the other.
    const wanted = utcClock(year, month - 1, day, hour, minute, second, ms);
    if (h !== undefined && wallClock(date.getTime()) !== wanted) {
      throw new CallsUsageError(`${shown} ${skippedTime(date.getTime())}`);
    }
    return date;
  }
  let offsetMinutes = 0;
  if (zone !== 'Z' && zone !== 'z') {
    const oh = Number(zone.slice(1, 3));
    const om = Number(zone.slice(3).replace(':', '') || 0);
    if (oh > 23 || om > 59) throw refuse(`there is no time zone ${zone}`);
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (oh * 60 + om);
  }
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute - offsetMinutes, second, ms);
  return date;
}

/** The instant whose UTC clock reads these fields (years below 100 too). */
function utcClock(
  year: number,
  monthIndex: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  ms: number,
): number {
  const date = new Date(0);
  date.setUTCFullYear(year, monthIndex, day);
  date.setUTCHours(hour, minute, second, ms);
  return date.getTime();
}

/** What the local clock reads at instant `t`, as the instant whose UTC clock reads the same. */
function wallClock(t: number): number {
  const d = new Date(t);
  return utcClock(
    d.getFullYear(),
    d.getMonth(),
    d.getDate(),
    d.getHours(),
    d.getMinutes(),
    d.getSeconds(),
    d.getMilliseconds(),
  );
}

/** `2026-03-08T02:30` of a {@link wallClock} or UTC instant. */
const minuteText = (t: number) => new Date(t).toISOString().slice(0, 16);

/**
 * Why a local time the clocks skipped is no time, for `after`: where JavaScript put it, past the
 * jump. Names the zone, the jump, the last minute before it and the first after, and that
 * first minute in UTC.
 */
function skippedTime(after: number): string {
  const offset = (t: number) => wallClock(t) - t;
  const later = offset(after);
  // The jump is the first instant with the later offset, within the day or so before `after`
  // (a whole day at most is skipped): found to the millisecond.
  let lo = after - 2 * 86_400_000;
  let hi = after;
  if (offset(lo) !== later) {
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (offset(mid) === later) hi = mid;
      else lo = mid;
    }
  }
  const from = wallClock(hi - 1) + 1;
  const to = wallClock(hi);
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const where = zone && zone !== 'Etc/Unknown' ? ` (${zone})` : '';
  const [fromDay, fromTime] = minuteText(from).split('T');
  const [toDay, toTime] = minuteText(to).split('T');
  const sameDay = fromDay === toDay;
  const jump = sameDay
    ? `from ${fromTime} straight to ${toTime} on ${toDay}`
    : `from ${minuteText(from)} straight to ${minuteText(to)}`;
  return (
    `does not exist in the local time zone${where}: the clocks went ${jump}. ` +
    `Use ${minuteText(from - 60_000)} or ${minuteText(to)}, ` +
    `or a time in UTC (${sameDay ? toTime : minuteText(to)} there is ${minuteText(hi)}Z).`
  );
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/**
 * Why `--status` may have matched nothing. Omnia filters on the end reason as spelled, and does
 * not say which it knows (its docs name `agent_hangup`, and no list): a typo and "no such calls"
 * look the same. A status this app knows is only a note; another one is named with the known
 * ones closest to it (Omnia may know more, so it is not refused).
 *
 * `localAgent`: the name of the local agent that answered (`The local agent at 127.0.0.1:8787`,
 * built in or a `serve`), whose end reasons are known, all of them ({@link LOCAL_END_REASONS}):
 * the line lists those; a status in no list, its own or Omnia's, is a mistake to fix, refused
 * with a {@link CallsUsageError} naming the closest of its own.
 *
 * `range`: `--since`/`--until` as typed, when given, named in the line about a known status.
 */
export function statusHint(status: string, localAgent?: string, range?: string): string {
  const shown = JSON.stringify(cleanText(status));
  // A range is named as typed; with none, the status matched no call at all.
  const matchedNone = `No call ended with status ${shown}${range ? ` in that range (${range})` : ''}.`;
  if (localAgent !== undefined) {
    const own = LOCAL_END_REASONS.join(', ');
    if (LOCAL_END_REASONS.includes(status) || status === LOCAL_LIVE_STATUS) {
      return matchedNone;
    }
    if (!KNOWN_END_REASONS.includes(status)) {
      const close = closeMatches(status, LOCAL_END_REASONS, (reason) => [reason]);
      throw new CallsUsageError(
        `${localAgent} has no status ${shown}${
          close.length > 0 ? `: did you mean ${close.join(', ')}?` : '.'
        } The status is how a call ended, as it spells it: ${own}.`,
      );
    }
    // Omnia's, not one it gives a call: none has it, and its own are what it filters on.
    return `No call ended with status ${shown}. The status is how a call ended, as ${inSentence(localAgent)} spells it: ${own}.`;
  }
  if (KNOWN_END_REASONS.includes(status)) return matchedNone;
  // One that differs only in case or separators was sent as the known one (statusAsSpelled).
  const close = closeMatches(status, KNOWN_END_REASONS, (reason) => [reason]);
  return `No call ended with status ${shown}. ${
    close.length > 0 ? `Did you mean ${close.join(', ')}? ` : ''
  }The status is how a call ended, spelled as Omnia does: ${KNOWN_END_REASONS.join(', ')}.`;
}

/**
 * `--status` as end reasons are spelled (`agent_hangup`: lower case, as Omnia documents it and
 * the local agent does): one this app knows, Omnia's or the local agent's, in any case and with
 * any separators (`USER_HANGUP`, `user-hangup`, `Server-Shutdown`), is sent as that one; any
 * other in lower case. Blank around it is dropped.
 */
export function statusAsSpelled(status: string): string {
  const known = [...KNOWN_END_REASONS, ...LOCAL_END_REASONS].find(
    (r) => normaliseName(r) === normaliseName(status),
  );
  return known ?? status.trim().toLowerCase();
}

/** `width`: the terminal's, to fit the table to (none for a pipe or a file: the table whole). */
export async function runCallsCommand(
  flags: CallsFlags,
  out: (line: string) => void,
  err: (line: string) => void,
  width?: number,
): Promise<number> {
  const since = flags.since === undefined ? undefined : parseSince(flags.since);
  const until = flags.until === undefined ? undefined : parseUntil(flags.until);
  if (since && until && since.getTime() > until.getTime()) {
    throw new CallsUsageError(
      `--since ${JSON.stringify(flags.since)} comes after --until ${JSON.stringify(flags.until)}: no call can be in between.`,
    );
  }
  const { api, local } = await commandApi(flags, err);
  const status = flags.status === undefined ? undefined : statusAsSpelled(flags.status);
  const { calls, more } = await listCallLogs(api, {
    limit: flags.limit ?? DEFAULT_CALLS_LIMIT,
    ...(since ? { since } : {}),
    ...(until ? { until } : {}),
    ...(status ? { status } : {}),
    // A short rate limit between two pages is waited out: said where a person reads.
    onWait: err,
  });
  // Who answered, as a `serve` at --api-base says on its answers: known only now.
  const who = serverOf(api);
  const localAgent = local || localAgentHost(api.apiBase) !== undefined ? who : undefined;
  // A status in no list, to a local agent, whose end reasons are all known: refused before
  // anything is printed (an empty table or `[]` read as an answer).
  const none =
    calls.length === 0 && status
      ? statusHint(status, localAgent, rangeWords(flags) || undefined)
      : undefined;
  // Said when the case or separators changed, not for blanks trimmed off.
  if (status !== undefined && status !== flags.status?.trim()) {
    err(
      `--status ${JSON.stringify(cleanText(flags.status ?? ''))} is sent as ${status}: ${inSentence(who)} spells end reasons in lower case.`,
    );
  }
  // The count and the notes go to stderr with --json too: stdout stays the JSON alone.
  const table = flags.json ? undefined : layoutCalls(calls, width);
  if (table) for (const line of table.lines) out(line);
  else out(JSON.stringify(calls.map(recordFacts), null, 2));
  const limit = flags.limit ?? DEFAULT_CALLS_LIMIT;
  // None is said as none (`0 calls, newest first.` read as a listing with nothing in it): with a
  // status, the line that says what matched nothing; with a range, that the range had none.
  if (calls.length > 0) {
    err(
      `${calls.length} call${calls.length === 1 ? '' : 's'}, newest first${
        more
          ? `; there are more: --limit ${Math.max(limit * 2, 50)} shows more, --since narrows`
          : ''
      }.`,
    );
  } else if (none) err(none);
  else if (since || until) err(`No calls in that range (${rangeWords(flags)}).`);
  else err('No calls yet.');
  if (local && calls.length === 0) {
    err('The built-in local agent keeps the calls it served while it runs: see omnia-voice serve.');
  }
  const dropped = table ? droppedLine(table.dropped, width) : undefined;
  if (dropped) err(dropped);
  // Said, as a column left out is: a cut summary read as the whole of it.
  if (table?.cut?.includes('SUMMARY') && width !== undefined) {
    err(`Summaries cut to fit ${width} columns: calls show <id> has each whole, as --json has.`);
  }
  // Said, or a user copies the start of an id and takes it for a whole one.
  if (table?.prefixed && width !== undefined) {
    err(`Ids cut to fit ${width} columns: calls show takes one as shown.`);
  }
  return 0;
}

/** `--since 7d --until 2026-05-01`, as typed: the range a listing with no calls was asked for. */
function rangeWords(flags: CallsFlags): string {
  return [
    flags.since === undefined ? undefined : `--since ${cleanText(flags.since)}`,
    flags.until === undefined ? undefined : `--until ${cleanText(flags.until)}`,
  ]
    .filter((word) => word !== undefined)
    .join(' ');
}

/** `2026-05-01 14:03` in local time, as a user reads a clock. */
function localTime(ms: number | undefined): string {
  if (ms === undefined) return '-';
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The narrowest a `calls` table's SUMMARY is cut to, in cells; narrower, it is left out. */
export const SUMMARY_MIN_CELLS = 24;

/** The AGENT of a call with no saved agent in a narrow `calls` table: {@link INLINE_CALL_LABEL}. */
export const INLINE_CALL_SHORT = '(prompt)';

/** The calls as a table: start, agent, duration, end reason, cost, id, short summary. Pure. */
export function formatCalls(calls: readonly CallLog[]): string[] {
  return layoutCalls(calls).lines;
}

/**
 * {@link formatCalls} in `width` cells when given: the summary is cut first, the end reason is
 * shown as its code (`agent_hangup`) rather than its words cut, a call of a prompt's agent as
 * {@link INLINE_CALL_SHORT}, and the agent's name is cut;
 * then the summary, the cost, the agent, the duration and the end reason are left out, in that
 * order, as few as it takes. The start and the call id are always whole. Pure.
 */
export function layoutCalls(calls: readonly CallLog[], width?: number): TableLayout {
  if (calls.length === 0) return { lines: [], dropped: [] };
  const rows = calls.map(recordFacts);
  const unended = (r: (typeof rows)[number]) => (r.complete ? '-' : 'in progress');
  return layoutTable(
    rows,
    [
      { heading: 'START', value: (r) => localTime(r.startedAt) },
      {
        heading: 'AGENT',
        // A record with no agent is a call of a prompt (`--prompt`), named as `calls show` names
        // it; `(prompt)` where the column is narrow, rather than those words cut.
        value: (r) => r.agentName ?? r.agentId ?? INLINE_CALL_LABEL,
        compact: (r) => r.agentName ?? r.agentId ?? INLINE_CALL_SHORT,
        maxWidth: 24,
        minWidth: 10,
        dropOrder: 3,
      },
      {
        heading: 'DURATION',
        value: (r) => (r.durationMs === undefined ? '-' : formatDuration(r.durationMs)),
        dropOrder: 4,
      },
      {
        heading: 'END REASON',
        value: (r) => (r.endReason ? describeEndReason(r.endReason) : unended(r)),
        // Narrow, the code Omnia gives (`agent_hangup`, what --status takes), not words cut short.
        compact: (r) => r.endReason ?? unended(r),
        maxWidth: 36,
        minWidth: 12,
        dropOrder: 5,
      },
      {
        heading: 'COST',
        value: (r) => (r.costCents === undefined ? '-' : formatCost(r.costCents, r.currency)),
        dropOrder: 2,
      },
      {
        heading: 'ID',
        value: (r) => r.callId,
        // Whole when it fits; rather than leave out the agent, its first 8 characters and `…`,
        // which `calls show` takes (one in a hundred calls).
        prefix: { cells: 8, before: 3 },
      },
      {
        heading: 'SUMMARY',
        value: (r) => r.shortSummary ?? r.summary ?? '',
        maxWidth: 60,
        // Under this a summary says nothing (`The caller tu…`): left out instead, and said.
        minWidth: SUMMARY_MIN_CELLS,
        dropOrder: 1,
      },
    ],
    width,
  );
}

export interface CallsShowFlags extends ApiFlags {
  format?: 'md' | 'txt' | 'json' | 'jsonl';
  out?: string;
}

/** Prints one call's record and transcript, or saves it to `--out`. */
export async function runCallsShowCommand(
  id: string,
  flags: CallsShowFlags,
  out: (line: string) => void,
  err: (line: string) => void,
): Promise<number> {
  if (id.trim() === '') {
    throw new CallsUsageError(
      `calls show needs a call id, and ${JSON.stringify(id)} is empty: ${commandFor(flagTarget(flags), 'calls')} lists them.`,
    );
  }
  // Ids have no spaces: one pasted with the space or the line break around it (`" ad7f…"`)
  // asked for a call of that name, and Omnia has none.
  const wanted = id.trim();
  if (flags.out !== undefined && flags.out.trim() === '') {
    throw new CallsUsageError(
      `--out needs a file name, and ${JSON.stringify(flags.out)} is empty.`,
    );
  }
  // Where --out goes is checked before asking the server, so a bad path costs no request.
  const target = flags.out === undefined ? undefined : planOutput(flags.out);
  let format: TranscriptFormat = flags.format ?? 'md';
  if (flags.out !== undefined && !flags.format) {
    try {
      format = formatFromPath(flags.out);
    } catch (error) {
      // stdout, a device or a FIFO: no extension needed, the default format is fine.
      // --format says it as well as an extension does: both are offered.
      if (target?.kind === 'file') {
        throw new CallsUsageError(
          `${(error as Error).message}, or give the format: --format md, txt, json or jsonl.`,
        );
      }
    }
  }
  const { api } = await commandApi(flags, err);
  const log = await callLogFor(api, wanted, commandFor(flagTarget(flags), 'calls'));
  const callId = recordFacts(log).callId;
  if (!isRecordComplete(log)) {
    err(
      `Call ${callId} is still in progress (no end time yet): shown as far as its record goes; ` +
        'the end reason, duration, cost and summary come a few seconds after it ends.',
    );
  }
  const unread = transcriptProblem(log);
  if (unread !== undefined) {
    err(
      `The transcript in call ${callId}'s record could not be read (${unread}): shown without its turns.`,
    );
  }
  const text = formatTranscript(format, transcriptFromCallLog(log));
  if (flags.out === undefined || target === undefined) {
    out(text.replace(/\n$/, ''));
    return 0;
  }
  await writeOutput(flags.out, target, text, out, err);
  if (target.kind === 'stream') return 0;
  const created = target.kind === 'file' ? target.missing : undefined;
  err(
    `call ${callId} saved to ${cleanText(flags.out)}` +
      (created === undefined ? '' : ` (created the folder ${cleanText(created)})`),
  );
  return 0;
}

/** How many of the newest calls an id's start (`4f3eb932…`) is looked for among. */
export const PREFIX_SEARCH_CALLS = 100;

/** The fewest characters of an id that `calls show` looks calls up by (a narrow table shows 8). */
export const MIN_ID_START = 4;

/** What may be the start of an id: a narrow `calls` table's `4f3eb932…`, or typed without `…`. */
const ID_START = /^[\w-]{4,}$/;

/** Id characters, but fewer than {@link MIN_ID_START}: too short to look calls up by. */
const SHORT_ID_START = /^[\w-]{1,3}$/;

/** `start` is too short: how many characters to give, and where to see them. */
function tooShort(start: string, listing: string): string {
  return (
    `${JSON.stringify(cleanText(start))} is too short to find a call by the start of its id: ` +
    `give at least ${MIN_ID_START} characters of the id (${listing} shows them).`
  );
}

/**
 * The call `id` names: an id, or the start of one as a narrow `calls` table shows it
 * (`4f3eb932…`, pasted with its `…` or without), looked for among the newest
 * {@link PREFIX_SEARCH_CALLS} calls. A start that fits several ids is refused with them, and one
 * that fits none says so, whether or not it was typed with its `…` (exit 2 both: what was typed
 * must change, as `agents show` of a name that matches none).
 */
async function callLogFor(api: ApiTarget, id: string, listing: string): Promise<CallLog> {
  const cut = id.endsWith('…');
  const start = cut ? id.slice(0, -1) : id;
  let notFound: ApiError | undefined;
  if (!cut) {
    try {
      // An id too short to be a start is said to be so: a local agent's "it forgets its calls
      // when it stops" would send the user looking for a restart that did not happen.
      return await getCallLog(api, id, undefined, { whyMissing: !SHORT_ID_START.test(id) });
    } catch (error) {
      // A server that does not answer like Omnia (a web server's 404 page): what it has is no
      // answer about calls, and the search would only ask it again.
      if (!(error instanceof ApiError) || error.kind !== 'not-found' || error.notOmnia) throw error;
      // The server's line first (it has the request id), then why no start was looked up.
      if (SHORT_ID_START.test(id))
        throw new CallsUsageError(`${error.message} ${tooShort(id, listing)}`);
      if (!ID_START.test(id)) throw error;
      notFound = error;
    }
  } else if (SHORT_ID_START.test(start)) {
    throw new CallsUsageError(tooShort(id, listing));
  } else if (!ID_START.test(start)) {
    throw new CallsUsageError(
      `${JSON.stringify(cleanText(id))} is not the start of a call id: ${listing} lists them.`,
    );
  }
  const { calls } = await listCallLogs(api, { limit: PREFIX_SEARCH_CALLS });
  const lower = start.toLowerCase();
  const ids = [
    ...new Set(
      calls
        .map((call) => recordFacts(call).callId)
        .filter((c) => c.toLowerCase().startsWith(lower)),
    ),
  ];
  if (ids.length === 1) return getCallLog(api, ids[0]!);
  if (ids.length > 1) {
    throw new CallsUsageError(
      `Several calls have ids that start with ${JSON.stringify(cleanText(start))}: ${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ', …' : ''}. Give more of the id.`,
    );
  }
  const none = `No call among the newest ${PREFIX_SEARCH_CALLS} has an id that starts with ${JSON.stringify(cleanText(start))}`;
  // The server's 404 and the search said as one answer, as `deadbeef…` is: exit 2 either way.
  if (notFound)
    throw new CallsUsageError(`${notFound.message} ${none} either: ${listing} lists them.`);
  throw new CallsUsageError(`${none}: ${listing} lists them.`);
}

/** `target`'s stats, undefined when it is not there; any other failure is `path`'s error. */
function existing(target: string, path: string): Stats | undefined {
  try {
    return statSync(target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw outputError(path, reasonFor(error));
  }
}

/** Where `--out` writes, decided from the path before anything is fetched. */
export type OutputTarget =
  /** This process's stdout or stderr (`/dev/stdout`, `/dev/fd/1`, …). */
  | { readonly kind: 'stream'; readonly stream: 'stdout' | 'stderr' }
  /** Another open file descriptor (`/dev/fd/3`): written as it was opened (append stays append). */
  | { readonly kind: 'fd'; readonly fd: number }
  /** A device or FIFO: written into, never replaced. */
  | { readonly kind: 'in-place' }
  /** A regular file, new or replaced whole; `missing`: the first folder on the way to create. */
  | { readonly kind: 'file'; readonly folder: string; readonly missing?: string };

const STREAM_PATHS: Record<string, 'stdout' | 'stderr'> = {
  '/dev/stdout': 'stdout',
  '/dev/fd/1': 'stdout',
  '/proc/self/fd/1': 'stdout',
  '/dev/stderr': 'stderr',
  '/dev/fd/2': 'stderr',
  '/proc/self/fd/2': 'stderr',
};

/** A `--out` that cannot be written: one line naming the path and why; exit 1. */
function outputError(path: string, reason: string): Error {
  return new Error(`cannot save to ${cleanText(path)}: ${reason}`);
}

/**
 * Looks at `--out` before the call is fetched: a folder in the way of the path, or the path
 * being a folder, fails here (exit 1) with the part of the path at fault named. Pure but for
 * stat calls.
 */
export function planOutput(path: string): OutputTarget {
  const stream = STREAM_PATHS[path];
  if (stream) return { kind: 'stream', stream };
  const fd = /^\/(?:dev|proc\/self)\/fd\/(\d+)$/.exec(path)?.[1];
  if (fd !== undefined) {
    let open: Stats;
    try {
      open = fstatSync(Number(fd));
    } catch {
      throw outputError(path, `file descriptor ${fd} is not open`);
    }
    // A file or a terminal the shell opened (`3>>calls.md`). Not a pipe or a socket: those may
    // be the runtime's own (a typo of the number would write into them).
    if (!open.isFile() && !open.isCharacterDevice()) {
      throw outputError(
        path,
        `file descriptor ${fd} is not a file or a terminal: give a file name, or redirect stdout (--out /dev/stdout > file)`,
      );
    }
    return { kind: 'fd', fd: Number(fd) };
  }
  const stats = existing(path, path);
  if (stats?.isDirectory()) throw outputError(path, 'it is a folder');
  if (stats && !stats.isFile()) return { kind: 'in-place' };
  const folder = dirname(path);
  if (stats) {
    // A file kept read-only is not replaced behind its owner's back.
    const locked = lockedReason(path, stats);
    if (locked) throw outputError(path, locked);
    return { kind: 'file', folder };
  }
  // A new file: its folder, or the nearest folder above it that exists.
  let missing: string | undefined;
  for (let dir = folder; ; ) {
    const found = existing(dir, path);
    if (found) {
      if (!found.isDirectory()) {
        throw outputError(
          path,
          `${cleanText(dir)} is ${found.isFile() ? 'a file, not a folder' : 'not a folder'}`,
        );
      }
      break;
    }
    missing = dir;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return { kind: 'file', folder, ...(missing === undefined ? {} : { missing }) };
}

/**
 * Writes `text` where {@link planOutput} said. A regular file is replaced atomically (no half
 * file, ever); missing folders are made first and removed again if the write fails, so a failure
 * leaves nothing behind. Throws one line naming the path.
 */
async function writeOutput(
  path: string,
  target: OutputTarget,
  text: string,
  out: (line: string) => void,
  err: (line: string) => void,
): Promise<void> {
  // The record is what was said in the call, and a user may have read the key out or typed
  // it: files get it redacted as the terminal does (the guard on stdout and stderr).
  text = scrubSecrets(text);
  if (target.kind === 'stream') {
    (target.stream === 'stdout' ? out : err)(text.replace(/\n$/, ''));
    return;
  }
  try {
    if (target.kind === 'fd') {
      const data = Buffer.from(text);
      for (let at = 0; at < data.length; ) at += writeSync(target.fd, data, at);
      return;
    }
    if (target.kind === 'in-place') {
      // A FIFO is opened and written without blocking (a blocking open with no reader waited
      // for ever, deaf to Ctrl+C): nothing reading it now is refused at once, and a reader
      // that reads slowly is waited on outside the event loop. Opened once: a check that
      // opened and closed it first ended the reader's input before the text came.
      if (statSync(path).isFIFO()) await writeToFifo(path, text);
      else writeFileSync(path, text);
      return;
    }
  } catch (error) {
    throw outputError(path, reasonFor(error));
  }
  const made = target.missing === undefined ? [] : makeFolders(path, target.folder);
  try {
    writeFileAtomic(path, text);
  } catch (error) {
    removeFolders(made);
    throw outputError(path, reasonFor(error));
  }
}

/** Makes `folder` and the missing folders above it ({@link makeMissingFolders}), in words. */
function makeFolders(path: string, folder: string): string[] {
  try {
    return makeMissingFolders(folder);
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    // Under a folder that takes none (/proc), said as every file error says it.
    if (e.code === 'ENOENT') throw outputError(path, cleanText(writeErrorReason(error)));
    const dir = e.path ?? folder;
    throw outputError(
      path,
      `the folder ${cleanText(dir)} could not be created: ${reasonFor(error)}`,
    );
  }
}

/** Removes folders made by {@link makeFolders}, deepest first, if still empty. Best effort. */
function removeFolders(made: readonly string[]): void {
  for (const dir of [...made].reverse()) {
    try {
      rmdirSync(dir);
    } catch {
      return;
    }
  }
}

/**
 * An I/O error in words, never a temporary file's name: a folder in the way as this command
 * says it, the rest as every file error is said (`writeErrorReason`).
 */
function reasonFor(error: unknown): string {
  switch ((error as NodeJS.ErrnoException)?.code) {
    case 'EISDIR':
      return 'it is a folder';
    case 'ENOTDIR':
    case 'EEXIST':
      return 'a part of the path is not a folder';
    default:
      return writeErrorReason(error);
  }
}
