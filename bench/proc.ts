/**
 * CPU time and wake-ups of process trees, from /proc, for benchmarks that compare clients.
 *
 * - CPU: utime + stime of the process (all its threads), in ms.
 * - Wake-ups: voluntary context switches summed over the process's threads: each one is a
 *   thread going to sleep (poll, futex, a blocking read) to be woken later, which is what an
 *   audio client's cost mostly follows. Involuntary switches (preemption) are kept apart.
 */
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100;

/** One process at one moment. */
export interface ProcSample {
  readonly pid: number;
  readonly comm: string;
  readonly cpuMs: number;
  readonly wakeups: number;
  readonly preemptions: number;
  readonly threads: number;
}

/** What a process used between two samples, per second of wall time. */
export interface ProcUse {
  readonly pid: number;
  readonly comm: string;
  /** % of one core. */
  readonly cpuPct: number;
  readonly wakeupsPerS: number;
  readonly preemptionsPerS: number;
  readonly threads: number;
}

function statFields(path: string): { comm: string; fields: string[] } {
  const stat = readFileSync(path, 'utf8');
  const close = stat.lastIndexOf(')');
  return {
    comm: stat.slice(stat.indexOf('(') + 1, close),
    fields: stat.slice(close + 2).split(' '),
  };
}

/** One process, or undefined when it has gone. */
export function sampleProcess(pid: number): ProcSample | undefined {
  try {
    const { comm, fields } = statFields(`/proc/${pid}/stat`);
    // After "pid (comm) ": utime is field 14, stime 15 (1-based, proc(5)).
    const cpuMs = ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
    let wakeups = 0;
    let preemptions = 0;
    let threads = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        const status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
        wakeups += Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? 0);
        preemptions += Number(/^nonvoluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? 0);
        threads++;
      } catch {
        // The thread ended while we looked.
      }
    }
    return { pid, comm, cpuMs, wakeups, preemptions, threads };
  } catch {
    return undefined;
  }
}

/** `root` and every live descendant, by pid. */
export function sampleTree(root: number): Map<number, ProcSample> {
  const parent = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      parent.set(pid, Number(statFields(`/proc/${pid}/stat`).fields[1]));
    } catch {
      // The process ended while we looked.
    }
  }
  const tree = new Map<number, ProcSample>();
  for (const pid of parent.keys()) {
    for (let p: number | undefined = pid; p !== undefined && p > 1; p = parent.get(p)) {
      if (p !== root) continue;
      const sample = sampleProcess(pid);
      if (sample) tree.set(pid, sample);
      break;
    }
  }
  return tree;
}

/** Use per process between two tree samples taken `wallMs` apart (processes alive at the end). */
export function treeUse(
  before: ReadonlyMap<number, ProcSample>,
  after: ReadonlyMap<number, ProcSample>,
  wallMs: number,
): ProcUse[] {
  const perS = (n: number) => (n * 1000) / wallMs;
  return [...after.values()].map((now) => {
    const was = before.get(now.pid);
    return {
      pid: now.pid,
      comm: now.comm,
      cpuPct: (perS(now.cpuMs - (was?.cpuMs ?? 0)) / 1000) * 100,
      wakeupsPerS: perS(now.wakeups - (was?.wakeups ?? 0)),
      preemptionsPerS: perS(now.preemptions - (was?.preemptions ?? 0)),
      threads: now.threads,
    };
  });
}

/** Sum over processes. */
export function totalUse(uses: readonly ProcUse[]): { cpuPct: number; wakeupsPerS: number } {
  return {
    cpuPct: uses.reduce((sum, u) => sum + u.cpuPct, 0),
    wakeupsPerS: uses.reduce((sum, u) => sum + u.wakeupsPerS, 0),
  };
}

/** CPU time in ms of `root` and every live descendant, by pid (what whole-app and cpu.ts read). */
export function treeCpuMs(root: number): Map<number, { ms: number; comm: string }> {
  const out = new Map<number, { ms: number; comm: string }>();
  for (const [pid, s] of sampleTree(root)) out.set(pid, { ms: s.cpuMs, comm: s.comm });
  return out;
}

/** One thread of a process: its name (comm) and what it used so far. */
export interface ThreadSample {
  readonly tid: number;
  readonly name: string;
  readonly cpuMs: number;
  readonly wakeups: number;
}

/** Every thread of `pid` (the probe's view of where wake-ups happen inside a process). */
export function sampleThreads(pid: number): Map<number, ThreadSample> {
  const out = new Map<number, ThreadSample>();
  let tids: string[] = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const entry of tids) {
    const tid = Number(entry);
    try {
      const { comm, fields } = statFields(`/proc/${pid}/task/${tid}/stat`);
      const status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
      out.set(tid, {
        tid,
        name: comm,
        cpuMs: ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND,
        wakeups: Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? 0),
      });
    } catch {
      // The thread ended while we looked.
    }
  }
  return out;
}
