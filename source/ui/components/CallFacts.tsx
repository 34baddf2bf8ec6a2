import { Box, Text } from 'ink';
import { memo } from 'react';
import type { FileStop } from '../../audio/types.js';
import type { Snapshot, Store } from '../../session/types.js';
import { noAnswerText, stoppedText } from '../../text/durations.js';
import { shortHome } from '../../text/home-path.js';
import { callClock, useClock } from '../clock.js';
import { formatCallTime, formatLatency, formatRate } from '../format.js';
import { shallowEqual, useStoreSelector } from '../hooks/useStoreSelector.js';
import { screenLine } from '../sanitize.js';
import { MIN_PATH_COLUMNS, shortenPath, stringWidth, truncateToWidth } from '../textWidth.js';
import { fg } from '../theme.js';

/** The facts other than the call clock, as they are shown: a selection that rarely changes. */
export interface FactValues {
  readonly agent: string;
  readonly call: string;
  readonly rtt: string;
  readonly reply: string;
  readonly in: string;
  readonly out: string;
  readonly queued: string;
  readonly answers: string;
  readonly echo: string;
}

/** A device fact before there is a device (between calls). */
const NO_DEVICE = '—';

/** Queued agent audio is shown in steps of this many ms (a calm number while it drains). */
const QUEUED_STEP_MS = 10;

/**
 * The agent as the header names it (`Hotel Concierge (concierge)`; the id alone when its name
 * is not known), and `local` for the built-in agent.
 */
function agentFact(snapshot: Snapshot): string {
  const id = snapshot.agentId ? screenLine(snapshot.agentId) : undefined;
  const label = snapshot.label;
  const name = label?.kind === 'agent' && label.agentName ? screenLine(label.agentName) : '';
  const who = name && id && name !== id ? `${name} (${id})` : (id ?? (name || undefined));
  if (snapshot.local) return who ? `${who} · local` : 'local agent';
  return who ?? '—';
}

/** The facts a user asks about during a call, formatted. Pure. */
export function factValues(snapshot: Snapshot): FactValues {
  // `(default device)` says no more than the mic's `(default)`, in 7 columns fewer.
  // No device yet (between calls, a call being created): `—`, not `— · —`, which read as broken.
  const device = (d: Snapshot['input']) =>
    !d.kind && !d.sampleRate
      ? NO_DEVICE
      : `${screenLine(d.description || d.kind).replace(/ \(default device\)$/, ' (default)')} · ${formatRate(d.sampleRate)}`;
  return {
    agent: agentFact(snapshot),
    call: screenLine(snapshot.callId ?? '—'),
    rtt: formatLatency(snapshot.rttMs),
    reply: formatLatency(snapshot.responseLatencyMs),
    in: device(snapshot.input),
    out: device(snapshot.output),
    queued: `${Math.round(snapshot.queuedMs / QUEUED_STEP_MS) * QUEUED_STEP_MS} ms`,
    answers: snapshot.outputMedium === 'voice' ? 'voice' : 'text only',
    echo: echoFact(snapshot.echo),
  };
}

/**
 * How the agent's voice is kept out of the mic, as shown: `cancel · ERLE 31 dB` while the
 * canceller measures the agent's echo, `cancel · mic hears no agent` when the agent has talked
 * to a mic that holds none of it (headphones: the mic is open while the agent talks),
 * `guard: <why>` when cancellation was asked for and could not load, `off: <why>`. Pure.
 */
export function echoFact(echo: Snapshot['echo']): string {
  const erle =
    echo.mode !== 'cancel'
      ? ''
      : echo.erleDb !== undefined
        ? ` · ERLE ${echo.erleDb} dB`
        : echo.unheard
          ? ' · mic hears no agent'
          : '';
  const why = echo.reason ? `: ${screenLine(echo.reason)}` : '';
  return `${echo.mode}${erle}${why}`;
}

/**
 * The rows the facts take: one fact a row, or six rows with two facts on some (`compact`; the
 * echo fact is then under the meters, `EchoFact`; how the agent answers leads the output's row). A second fact that would not fit whole in
 * `width` columns is left out rather than cut (`rtt 3…` reads as a number it is not).
 */
export function factRows(
  facts: FactValues,
  time: string,
  compact: boolean,
  width = Number.POSITIVE_INFINITY,
): Array<readonly [string, string]> {
  const room = width - FACT_LABEL_COLUMNS;
  if (!compact) {
    return [
      ['agent', facts.agent],
      ['call', facts.call],
      ['time', time],
      ['rtt', facts.rtt],
      ['reply', facts.reply],
      ['in', fitDevice(facts.in, room)],
      ['out', fitDevice(facts.out, room)],
      ['queued', facts.queued],
      ['answers', facts.answers],
      ['echo', facts.echo],
    ];
  }
  const both = (first: string, second: string) =>
    stringWidth(`${first}${second}`) <= room ? `${first}${second}` : first;
  return [
    ['agent', facts.agent],
    ['call', facts.call],
    ['time', both(time, `  rtt ${facts.rtt}`)],
    ['reply', both(facts.reply, `  queued ${facts.queued}`)],
    ['in', fitDevice(facts.in, room)],
    // How the agent answers first (cut at the end, `text only` was the part lost), then the
    // device with its rate whole.
    // With no device yet, `—` alone: `voice · —` read as something left out.
    [
      'out',
      facts.out === NO_DEVICE
        ? NO_DEVICE
        : `${facts.answers} · ${fitDevice(facts.out, room - stringWidth(facts.answers) - 3)}`,
    ],
  ];
}

const FACT_LABEL_COLUMNS = 8;
/** The fewest columns a device's name is cut to before what follows it gives way instead. */
const MIN_DEVICE_COLUMNS = 8;

/**
 * A device fact (`speaker (alsa_output.usb-…) · 48 kHz`) in `room` columns: its name is cut at
 * its end, never the rate after it (a row cut at its end showed `speaker (default device) · 48…`
 * in the 120-column side pane), while the name keeps {@link MIN_DEVICE_COLUMNS}. Pure.
 */
export function fitDevice(fact: string, room: number): string {
  const at = fact.lastIndexOf(' · ');
  const name = at < 0 ? fact : fact.slice(0, at);
  const rate = at < 0 ? '' : fact.slice(at);
  if (stringWidth(name + rate) <= room) return name + rate;
  const nameRoom = room - stringWidth(rate);
  return nameRoom >= MIN_DEVICE_COLUMNS ? truncateToWidth(name, nameRoom) + rate : name + rate;
}

const selectTimes = (s: Snapshot) => ({ startedAt: s.startedAt, endedAt: s.endedAt });
const selectQuietSince = (s: Snapshot) => s.serverQuiet?.since;

export interface CallFactsProps {
  readonly store: Store;
  readonly width: number;
  /** Narrow terminals: six rows, two facts on some. */
  readonly compact?: boolean;
}

/** Agent, call id, elapsed time, latencies, devices, queued audio. */
export const CallFacts = memo(function CallFacts({
  store,
  width,
  compact = false,
}: CallFactsProps) {
  const facts = useStoreSelector(store, factValues, shallowEqual);
  const { startedAt, endedAt } = useStoreSelector(store, selectTimes, shallowEqual);
  const now = useClock(callClock(startedAt ?? 0), startedAt !== undefined && endedAt === undefined);
  const time = startedAt === undefined ? '—' : formatCallTime(startedAt, endedAt, now);
  // While no pong comes the last round trip is stale: how long nothing has come instead, on
  // the clock the warning above the footer reads.
  const quietSince = useStoreSelector(store, selectQuietSince);
  const quietNow = useClock(callClock(quietSince ?? 0), quietSince !== undefined);
  const shown =
    quietSince === undefined ? facts : { ...facts, rtt: noAnswerText(quietSince, quietNow) };
  return (
    <Box flexDirection="column" width={width}>
      {factRows(shown, time, compact, width).map(([label, value]) => (
        <Text key={label} wrap="truncate-end">
          <Text dimColor>{label.padEnd(FACT_LABEL_COLUMNS)}</Text>
          {value}
        </Text>
      ))}
    </Box>
  );
});

/** The fewest columns a path is shortened to in its middle; fewer cut it at its end. */
const MIN_SHORT_PATH_COLUMNS = 8;

/** `path` (under the home folder as `~/…`) in `room` columns, its file name kept where it can be. */
function fitRecordPath(path: string, room: number): string {
  const shown = screenLine(shortHome(path));
  return room >= MIN_SHORT_PATH_COLUMNS
    ? shortenPath(shown, room)
    : truncateToWidth(shown, Math.max(1, room));
}

/**
 * The recording as the info pane says it, in `room` columns: the file (`~/calls/rec.wav`, its
 * middle given up when it does not fit), or, once a write to it failed, where and why it stopped
 * first (`stopped at 0:42: the disk is full · ~/calls/rec.wav`), the file after it where there is
 * room. Pure.
 */
export function recordFact(path: string, stopped: FileStop | undefined, room: number): string {
  if (!stopped) return fitRecordPath(path, room);
  const why = screenLine(stoppedText(stopped));
  const rest = room - stringWidth(why) - 3;
  return rest >= MIN_PATH_COLUMNS
    ? `${why} · ${fitRecordPath(path, rest)}`
    : truncateToWidth(why, Math.max(1, room));
}

/** Whether the call is recorded (`--record`): the layout gives its fact a row. */
export const selectIsRecording = (s: Snapshot) => s.recordingPath !== undefined;

const selectRecording = (s: Snapshot) => ({
  path: s.recordingPath,
  stopped: s.recordingStopped,
});

export interface RecordFactProps {
  readonly store: Store;
  readonly width: number;
  /** Under the meters (the narrow layout): the label as short as the echo fact's. */
  readonly compact?: boolean;
}

/**
 * `record  ~/calls/rec.wav` while `--record` records the call, `record  stopped at 0:42: …` in
 * red once it stopped (a full disk); nothing without `--record`.
 */
export const RecordFact = memo(function RecordFact({
  store,
  width,
  compact = false,
}: RecordFactProps) {
  const { path, stopped } = useStoreSelector(store, selectRecording, shallowEqual);
  if (path === undefined) return null;
  const label = compact ? 'record ' : 'record'.padEnd(FACT_LABEL_COLUMNS);
  const value = recordFact(path, stopped, width - stringWidth(label));
  return (
    <Text wrap="truncate-end">
      <Text dimColor>{label}</Text>
      {stopped ? (
        <Text bold {...fg('red')}>
          {value}
        </Text>
      ) : (
        value
      )}
    </Text>
  );
});

const selectEcho = (s: Snapshot) => echoFact(s.echo);

/** The echo fact on a row of its own: under the meters in the narrow layout. */
export const EchoFact = memo(function EchoFact({ store }: { readonly store: Store }) {
  const echo = useStoreSelector(store, selectEcho);
  return (
    <Text wrap="truncate-end">
      <Text dimColor>{'echo '}</Text>
      {echo}
    </Text>
  );
});
