/**
 * The full-screen run: one screen, one call after another. It picks the agent when none is
 * configured (the picker), creates the call, opens its parts (`call-parts.ts`), and on `r`
 * hangs up, finishes the call (its record, its files) and calls again with the same plan (the
 * prompt file read again), keeping the earlier calls above a divider. The UI reads a
 * {@link SessionView} and calls {@link SessionActions}; it never touches a call itself.
 */
import type { AgentInfo, AgentList, AgentsProgress } from '../api/agents.js';
import { commandFor } from '../api/command-hint.js';
import { inSentence, serverOf } from '../api/errors.js';
import { localAgentHost } from '../api/local-serve.js';
import { secretSpellings } from '../api/mask-key.js';
import { blankSnapshot } from '../session/snapshot.js';
import type { SessionStore } from '../session/store.js';
import type { CallLabel, Snapshot, Store, StoreActions } from '../session/types.js';
import { shortHome } from '../text/home-path.js';
import { type CallSummary, formatSummary } from '../transcript/summary.js';
import {
  agentHint,
  type CallContext,
  callSummary,
  type EarlierCall,
  type EarlyRecord,
  endCallNow,
  errorLine,
  fetchRecordEarly,
  finishCall,
  loadStoreModule,
  numberedOutput,
  type OpenCall,
  openCall,
  openSink,
  type SessionFiles,
  saveRun,
} from './call-parts.js';
import {
  type CallChoice,
  type CallPlan,
  createCallFor,
  planForAgent,
  plannedLabel,
} from './call-plan.js';
import { pickedAgentError } from './picked.js';
import { checkCallFiles } from './preflight.js';
import { loadPrompt } from './prompt.js';

/** Where the run is. */
export type SessionStage =
  /**
   * Choosing the agent (a key, no agent configured); `refused`: why the agent picked before
   * could not be called (the picker shows it, and the user picks again).
   */
  | { readonly kind: 'picking'; readonly choice: CallChoice; readonly refused?: string }
  /** Creating call `number` (the first, or a redial). */
  | { readonly kind: 'dialing'; readonly number: number }
  /** The current call: live, or over and still on screen. */
  | { readonly kind: 'call' }
  /** Hanging up and finishing the call; `record` while its record is fetched (a key skips). */
  | { readonly kind: 'finishing'; readonly record: boolean; readonly then: 'redial' | 'quit' }
  /** A redial could not create the call: `r` tries again, `q` quits. */
  | { readonly kind: 'failed'; readonly message: string };

/** What `r` says while the call it asked for is on its way. */
/** `rr`: said while the call is being made; the screen drops it once that call is live. */
export const ALREADY_CALLING = 'already calling again: one call at a time';

/** How old a call must be before `r` replaces it (`redial`). */
export const REDIAL_AFTER_MS = 1000;

/** What the screen shows. */
export interface SessionView {
  readonly stage: SessionStage;
  /** The current call's store (a placeholder before the first call exists). */
  readonly store: Store;
  /** Finished calls of this run, oldest first. */
  readonly earlier: readonly EarlierCall[];
  /** The header's title for the current call. */
  readonly title: string;
  /** One line for the user (the agent was remembered, a redial failed …), if any. */
  readonly note?: string;
  /** A line under the help's keys, for the whole run (the local agent: how to reach Omnia). */
  readonly helpNote?: string;
  /**
   * The current call's summary once it is over, as the run's end prints it (`formatSummary`),
   * with its record once that has come: while it is fetched, `recordNote` is
   * {@link RECORD_FETCHING}. Undefined while the call goes on, and between calls.
   */
  readonly endSummary?: CallSummary;
}

/** The record line of an ended call's summary while the record is on its way. */
export const RECORD_FETCHING = 'fetching…';

/** What the screen can ask of the run. */
export interface SessionActions {
  /** The picker chose an agent: remember it, call it. */
  pick(agent: AgentInfo): void;
  /** Lists the workspace's agents for the picker, telling `onProgress` after each page. */
  listAgents(
    signal: AbortSignal,
    onProgress?: (progress: AgentsProgress) => void,
  ): Promise<readonly AgentInfo[] | AgentList>;
  /** Omnia's own search of the agents, for the picker's filter when its list was cut. */
  searchAgents(text: string, signal: AbortSignal): Promise<readonly AgentInfo[] | AgentList>;
  /**
   * Hang up, finish this call, call again (the prompt file read again). Returns what to say when
   * it calls no one (`r` tapped twice), else undefined.
   */
  redial(): string | undefined;
  /** Hang up, finish, end the run. `force`: now, skipping what waits (exit 130). */
  quit(force?: boolean): void;
  /** Leave the picker whose agents could not be listed: the run made no call, and says why. */
  giveUp(why: string): void;
  /** Skip the rest of the wait for the call record. */
  skipRecord(): void;
}

/** The run's end: its exit code and every call it made. */
export interface SessionResult {
  readonly exitCode: number;
  readonly calls: readonly EarlierCall[];
  /** Set when the first call could not be created: one line for stderr. */
  readonly error?: string;
  /** Said on stderr at the end when there is no call to sum up (quit while dialing). */
  readonly note?: string;
  /** The run ended on a redial that failed: said last on stderr (`error: could not call again: …`). */
  readonly lastError?: string;
}

export interface CallSessionOptions {
  readonly ctx: CallContext;
  readonly files: SessionFiles;
  /** The plan, or the picker's choice when none is configured. */
  readonly start: { readonly plan: CallPlan } | { readonly choice: CallChoice };
  /** The title for a call with this label (the local agent says so). */
  readonly titleFor: (label: CallLabel | undefined) => string;
  /** A line under the help's keys for the whole run (see {@link SessionView.helpNote}). */
  readonly helpNote?: string;
  /** Keeps the picked agent in the config file; returns where, throws ConfigError. */
  readonly rememberAgent: (agentId: string) => string;
  readonly listAgents: (
    signal: AbortSignal,
    onProgress?: (progress: AgentsProgress) => void,
  ) => Promise<readonly AgentInfo[] | AgentList>;
  readonly searchAgents: (
    text: string,
    signal: AbortSignal,
  ) => Promise<readonly AgentInfo[] | AgentList>;
  /** Called with each call as it starts (the `--duration` timer). */
  readonly onCall?: (call: OpenCall) => void;
}

type Listener = () => void;

const EXIT_FORCED = 130;

export interface PendingStoreOptions {
  /** Between calls (a redial), `s` saves the run's finished calls. */
  readonly save?: () => Promise<string>;
  /** `error`: a redial could not create its call (`r` tries again). */
  readonly phase?: 'creating' | 'error';
  /** `--ptt`: the call to come has a talk control (the footer offers Space). */
  readonly ptt?: boolean;
  /** The user's mute, as the call before left it (`r` keeps a muted mic muted). */
  readonly muted?: boolean;
  /** Why the redial failed: the events pane (`d`) has it, as a call's store has its errors. */
  readonly error?: string;
  /**
   * The agent of the call before (a redial calls the same one): the info pane's `agent` row
   * names it while the next call is made, as the header does, where it read `—`.
   */
  readonly agent?: Pick<Snapshot, 'agentId' | 'local'> & { readonly agentName?: string };
}

/**
 * A store that shows a call about to be created: phase `creating`, nothing else yet. Its mute
 * is the coming call's: `m` sets it, the mic flags show it, and the call starts with it (read by
 * {@link CallSession}). The talk control opens nothing before the call is up: a press carried
 * over would open the mic at a moment nobody chose (docs/keys.md).
 */
export function pendingStore(
  title: string,
  { save, phase = 'creating', ptt = false, muted = false, error, agent }: PendingStoreOptions = {},
): Store {
  let snapshot = blankSnapshot({
    phase,
    ...(agent?.agentId === undefined ? {} : { agentId: agent.agentId }),
    ...(agent?.local ? { local: true } : {}),
    ...(error === undefined
      ? {}
      : { events: [{ id: 1, at: Date.now(), kind: 'error' as const, message: error }] }),
    input: { kind: '', description: '—', sampleRate: 0 },
    output: { kind: '', description: '—', sampleRate: 0 },
    label: {
      kind: 'agent',
      text: title,
      ...(agent?.agentName === undefined ? {} : { agentName: agent.agentName }),
    },
    ptt,
    userMuted: muted,
    muted: ptt || muted,
  });
  const listeners = new Set<Listener>();
  const nothing = async () => undefined;
  const actions: StoreActions = {
    mute: (on) => {
      const userMuted = on ?? !snapshot.userMuted;
      if (userMuted === snapshot.userMuted) return;
      snapshot = { ...snapshot, userMuted, muted: ptt || userMuted };
      for (const listener of [...listeners]) listener();
    },
    setPtt: () => undefined,
    interrupt: () => undefined,
    sendText: () => undefined,
    setOutputMedium: () => undefined,
    saveTranscript:
      save ??
      (async () => {
        throw new Error('no call yet');
      }),
    hangUp: nothing,
  };
  return {
    getSnapshot: () => snapshot,
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    actions,
  };
}

/** The run's state and its actions, as an external store for the UI. */
export class CallSession {
  private view: SessionView;
  private readonly listeners = new Set<Listener>();
  private plan: CallPlan | undefined;
  private current: OpenCall | undefined;
  /** The call being hung up (its record fetched), until it is among the finished calls. */
  private finishingCall: OpenCall | undefined;
  /**
   * The record of the current call (or the one being finished), asked for once it was over
   * ({@link watchEnd}); `recordAsked` once that was decided (none with `--no-call-record`).
   */
  private early: EarlyRecord | undefined;
  private recordAsked = false;
  private number = 0;
  /** A note for the call being made next (`r` pressed again while it is on its way). */
  private noteForNextCall: string | undefined;
  /** When the current call went live (`performance.now()`): `r` right after it makes no call. */
  private liveSince = 0;
  private skip: AbortController | undefined;
  /** The agent picked, to be kept as the default once a call with it is created. */
  private toRemember: AgentInfo | undefined;
  /** The picker's stage the agent was picked in: a refused agent goes back to it. */
  private pickedIn: Extract<SessionStage, { kind: 'picking' }> | undefined;
  private finishing: Promise<void> | undefined;
  private resolveDone: (result: SessionResult) => void = () => undefined;
  private readonly done: Promise<SessionResult>;
  private ended = false;
  /** The exit code a signal asked for (it wins over the call's own and over a redial). */
  private stopCode: number | undefined;
  readonly actions: SessionActions;

  constructor(private readonly options: CallSessionOptions) {
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
    const { start } = options;
    this.plan = 'plan' in start ? start.plan : undefined;
    this.view = {
      stage:
        'plan' in start
          ? { kind: 'dialing', number: 1 }
          : { kind: 'picking', choice: start.choice },
      store: pendingStore(options.titleFor(undefined), { ptt: options.ctx.o.ptt }),
      earlier: options.files.earlier,
      title: options.titleFor(undefined),
      ...(options.helpNote === undefined ? {} : { helpNote: options.helpNote }),
    };
    this.actions = {
      pick: (agent) => this.pick(agent),
      giveUp: (why) =>
        this.end({
          exitCode: 1,
          calls: this.options.files.earlier,
          error: `No call: the agents could not be listed: ${why}`,
        }),
      listAgents: (signal, onProgress) => options.listAgents(signal, onProgress),
      searchAgents: (text, signal) => options.searchAgents(text, signal),
      redial: () => this.redial(),
      quit: (force) => this.quit(force === true),
      skipRecord: () => this.skip?.abort(),
    };
  }

  getView = (): SessionView => this.view;

  subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** The current call's store (for signals and timers). */
  get store(): Store {
    return this.view.store;
  }

  /** Starts the run (dials at once when there is a plan); resolves when it ends. */
  run(): Promise<SessionResult> {
    if (this.plan) void this.dial();
    return this.done;
  }

  /**
   * Let no agent reply of the current call start playing until the returned function is called
   * (see `SessionStore.holdPlayback`); with no call yet there is nothing to hold.
   */
  holdPlayback(): () => void {
    return this.current?.store.holdPlayback() ?? (() => undefined);
  }

  /**
   * A signal ended the run: hang up (saying `reason`), finish without the record (one being
   * fetched is skipped, a redial is not made), then leave with `code`. With no call yet, the
   * line that says so names `reason` too (`No call: stopped by SIGTERM while …`).
   */
  stop(code: number, reason?: string): void {
    this.stopCode ??= code;
    this.skip?.abort();
    this.early?.controller.abort();
    void this.finishThen('quit', false, code, reason);
  }

  private update(patch: Partial<SessionView>): void {
    this.view = { ...this.view, ...patch };
    for (const listener of [...this.listeners]) listener();
  }

  private pick(agent: AgentInfo): void {
    const stage = this.view.stage;
    if (stage.kind !== 'picking') return;
    // Kept once its call is created: an agent Omnia refuses is not made the default.
    this.toRemember = agent;
    this.pickedIn = stage;
    this.plan = planForAgent(stage.choice, agent);
    void this.dial();
  }

  /** The picked agent becomes the default, now that a call with it was created. */
  private rememberPicked(): void {
    const agent = this.toRemember;
    if (!agent) return;
    this.toRemember = undefined;
    // The local agent's agents (the built-in one, a `serve` at --api-base) are not the user's
    // on Omnia: kept, the next call to Omnia would ask it for `support`.
    // The command asks the same server (`--api-base`, `--local`): alone, it would ask Omnia.
    const { api } = this.options.ctx;
    if (api.server !== undefined || localAgentHost(api.apiBase) !== undefined) {
      const id = /^[\w.-]+$/.test(agent.id) ? agent.id : '<its id>';
      const again = commandFor(api, `--agent ${id}`);
      this.update({
        note: `${agent.name} belongs to ${inSentence(serverOf(api))}: not kept as your agent (${again} calls it again)`,
      });
      return;
    }
    let note: string;
    try {
      // Under the home folder as `~/…`: the notice has one screen row, two at most.
      const where = shortHome(this.options.rememberAgent(agent.id));
      note = `${agent.name} is your agent from now on (kept in ${where}; omnia-voice config unset agentId picks again)`;
    } catch (error) {
      note = `could not keep ${agent.name} as your agent: ${errorLine(error)}`;
    }
    this.update({ note });
  }

  /** A redial made no call, for `why`: said on the banner and, whole, in the events pane. */
  private redialFailed(why: string): void {
    const message = `could not call again: ${why}`;
    // Kept with the call before it: a later redial that works replaces the screen that says it.
    const { earlier } = this.options.files;
    const before = earlier.at(-1);
    if (before) {
      const failure = { at: Date.now(), message };
      earlier[earlier.length - 1] = {
        ...before,
        redialsFailed: [...(before.redialsFailed ?? []), failure],
      };
    }
    this.update({
      // The screen shows the earlier failures (redialled twice in vain); this one is the pending
      // store's, until a redial works and it is among them.
      ...(before ? { earlier: [...earlier.slice(0, -1), before] } : {}),
      stage: { kind: 'failed', message },
      store: this.pending({ phase: 'error', error: message }),
    });
  }

  /** Why call `number` of `plan` cannot write its files (see `checkCallFiles`), if it cannot. */
  private filesClash(plan: CallPlan, number: number): string | undefined {
    const { target } = plan;
    const promptPath =
      target.kind === 'prompt' && target.prompt.kind === 'file' ? target.prompt.path : undefined;
    try {
      checkCallFiles({ ...this.options.ctx.o, ...(promptPath ? { promptPath } : {}) }, number);
      return undefined;
    } catch (error) {
      return errorLine(error);
    }
  }

  private async dial(): Promise<void> {
    const plan = this.plan;
    if (!plan || this.ended) return;
    const number = this.number + 1;
    // The last call's note is done with: the same note again (a redial refused twice) shows.
    this.update({ stage: { kind: 'dialing', number }, note: this.noteForNextCall });
    this.noteForNextCall = undefined;
    // The first call is named while it is being created, as asked for (a redial keeps the name
    // its call had).
    if (number === 1) {
      const label = plannedLabel(plan);
      const title = this.options.titleFor(label);
      // The info pane's `agent` row names it as the header does (`—` read as no agent).
      const agentId = label.agentId ?? (plan.target.kind === 'agent' ? plan.target.ref : undefined);
      const agent = {
        ...(agentId === undefined ? {} : { agentId }),
        ...(label.agentName === undefined ? {} : { agentName: label.agentName }),
        local: this.options.ctx.api.server !== undefined,
      };
      this.update({ title, store: this.pending({ title, between: false, agent }) });
    }
    const { o } = this.options.ctx;
    if (number > 1) {
      // A redial's numbered WAVs (`out-2.wav`) are checked before anything is opened: they can
      // name a file given for another flag, or an earlier call's.
      const clash = this.filesClash(plan, number);
      if (clash !== undefined) {
        this.redialFailed(clash);
        return;
      }
    }
    // The output device and the store's code get ready while the call is being created.
    const sinkOpening = openSink(numberedOutput(o.output, number), o.outputSampleRate);
    void loadStoreModule();
    const dropSink = () => void sinkOpening.then(({ sink }) => sink.close()).catch(() => undefined);
    let call: OpenCall;
    try {
      let created: Awaited<ReturnType<typeof createCallFor>>;
      try {
        created = await createCallFor(plan);
      } catch (error) {
        dropSink();
        throw error;
      }
      this.rememberPicked();
      if (this.ended) {
        dropSink();
        return;
      }
      call = await openCall(
        this.options.ctx,
        created,
        this.options.files,
        number,
        sinkOpening,
        this.view.store.getSnapshot().userMuted,
      );
    } catch (error) {
      const message = errorLine(error);
      const picked = this.toRemember;
      if (number === 1 && picked && this.pickedIn && !this.ended) {
        // The picker's choice could not be called: back to the picker, which says why, so
        // another can be picked (the refused one was not kept). Esc then leaves with it said.
        this.toRemember = undefined;
        this.plan = undefined;
        const refused = pickedAgentError(picked, error, serverOf(this.options.ctx.api));
        this.update({
          stage: { kind: 'picking', choice: this.pickedIn.choice, refused },
          title: this.options.titleFor(undefined),
          store: pendingStore(this.options.titleFor(undefined)),
        });
        return;
      }
      if (number === 1) {
        // Nothing to show yet: leave, and say why on stderr as plain mode does.
        this.end({
          exitCode: error instanceof Error && error.name === 'UsageError' ? 2 : 1,
          calls: this.options.files.earlier,
          error: `error: Could not create the call: ${message}${agentHint(this.options.ctx.o, error, this.options.ctx.api)}`,
        });
        return;
      }
      this.redialFailed(message);
      return;
    }
    if (this.ended) {
      await call.close();
      return;
    }
    // `m` while the call's parts opened: the call starts with the mute the screen showed last.
    const muted = this.view.store.getSnapshot().userMuted;
    if (call.store.getSnapshot().userMuted !== muted) call.store.actions.mute(muted);
    this.number = number;
    this.current = call;
    this.early = undefined;
    this.recordAsked = false;
    this.liveSince = performance.now();
    this.update({
      stage: { kind: 'call' },
      store: call.store,
      title: this.options.titleFor(call.created.label),
      earlier: [...this.options.files.earlier],
      endSummary: undefined,
    });
    this.watchEnd(call);
    this.options.onCall?.(call);
    void call.store.start();
    // The picked agent kept as the default (a notice that goes): kept in the events too. Said
    // before the settings' warnings, whose notice comes after it.
    if (this.view.note !== undefined) call.store.reportInfo(this.view.note);
    if (number === 1) this.sayWarnings(call.store);
  }

  /**
   * Once `call` is over and the screen waits for `r` or `q`, it shows the call's summary
   * ({@link SessionView.endSummary}), and the call's record is asked for meanwhile, shown when it
   * comes (finishing the call then uses it). Not for a call hung up by `r` or `q` (no longer
   * current): that one is finished at once.
   */
  private watchEnd(call: OpenCall): void {
    const check = () => {
      if (this.current !== call) {
        off();
        return;
      }
      const { phase } = call.store.getSnapshot();
      if (phase !== 'ended' && phase !== 'error') return;
      if (!this.recordAsked) {
        this.recordAsked = true;
        this.early = fetchRecordEarly(this.options.ctx, call);
        // It never rejects (its problems are its note); finishing the call awaits it too.
        void this.early?.promise.then(
          (outcome) => {
            call.recordCame(outcome);
            this.showSummary(call);
          },
          () => undefined,
        );
      }
      this.showSummary(call);
    };
    const off = call.store.subscribe(check);
    check();
  }

  /** The ended `call`'s summary on screen, when it is still the current call and it changed. */
  private showSummary(call: OpenCall): void {
    if (this.current !== call) return;
    const early = this.early;
    const fetching = early !== undefined && early.outcome === undefined;
    const summary = callSummary(
      call,
      this.options.files,
      fetching ? { note: RECORD_FETCHING } : early?.outcome,
    );
    const shown = this.view.endSummary;
    // The store changes after the end too (an event, `s`): a frame only for a new line.
    if (shown && formatSummary(shown).join('\n') === formatSummary(summary).join('\n')) return;
    this.update({ endSummary: summary });
  }

  /** The settings' warnings, printed before the screen took over: in the events and a notice. */
  private sayWarnings(store: SessionStore): void {
    const warnings = this.options.ctx.o.settingWarnings ?? [];
    for (const warning of warnings) store.reportWarning(warning);
    const [first] = warnings;
    if (first === undefined) return;
    const more = warnings.length > 1 ? ` (${warnings.length - 1} more: d shows the events)` : '';
    this.update({ note: `warning: ${first}${more}` });
  }

  /** `r`: what to say when it calls no one (the screen shows it a moment), else undefined. */
  private redial(): string | undefined {
    const stage = this.view.stage.kind;
    if (stage === 'failed') {
      void this.dial();
      return undefined;
    }
    // `rr` in one read: the second meets the first's hang-up or dialing. Said as a note that
    // stays on the call being made (a notice of the screen goes as that call starts).
    if (stage === 'dialing' || (stage === 'finishing' && this.view.stage.then === 'redial')) {
      // Dialing already: said now. Hanging up to call again: kept for the call being made (set
      // while dialing it would stay for the call after it, shown at a redial much later).
      if (stage === 'dialing') this.update({ note: ALREADY_CALLING });
      else this.noteForNextCall = ALREADY_CALLING;
      return undefined;
    }
    if (stage !== 'call') return undefined;
    // A double tap of `r` (or a key repeating) would make a call that is hung up at once, and
    // each call on Omnia is billed: a call still going and younger than this is not replaced.
    const phase = this.current?.store.getSnapshot().phase;
    const going = phase !== 'ended' && phase !== 'error';
    if (going && performance.now() - this.liveSince < REDIAL_AFTER_MS) {
      return 'not calling again: this call has only just started (r again in a moment to call)';
    }
    // A prompt file that cannot be read (emptied, deleted, too big) must not cost the call that
    // works: checked before hanging up, and read again when the call is created.
    const target = this.plan?.target;
    if (target?.kind === 'prompt') {
      try {
        loadPrompt(target.prompt);
      } catch (error) {
        // A notice, not the session's note: the same note again draws nothing new, so a second
        // `r` on the same unreadable prompt said nothing.
        return `not calling again: ${errorLine(error)}`;
      }
    }
    // Nor must the next call's numbered files (`out-2.wav`) meet another file of the run: known
    // now, so said before this call is hung up, not after.
    const clash = this.plan ? this.filesClash(this.plan, this.number + 1) : undefined;
    if (clash !== undefined) return `not calling again: ${clash}`;
    void this.finishThen('redial', true);
    return undefined;
  }

  private quit(force: boolean): void {
    if (force) {
      // The call live or hanging up ends now, and is among the calls the run's end reports.
      const open = this.current ?? this.finishingCall;
      this.early?.controller.abort();
      if (open) endCallNow(this.options.ctx, open, this.options.files, this.early);
      this.end({ exitCode: EXIT_FORCED, calls: this.options.files.earlier });
      return;
    }
    if (this.view.stage.kind === 'finishing') return;
    void this.finishThen('quit', true);
  }

  /** Finish the current call (if any), then quit with `code` or redial. */
  private finishThen(
    then: 'redial' | 'quit',
    withRecord: boolean,
    code?: number,
    reason?: string,
  ): Promise<void> {
    if (this.finishing) return this.finishing;
    const dialing = this.view.stage.kind === 'dialing';
    const picking = this.view.stage.kind === 'picking';
    // Left the picker after the agent picked could not be called: the run failed, and says why.
    const refused = this.view.stage.kind === 'picking' ? this.view.stage.refused : undefined;
    // Quitting on a redial that failed: the run's last attempt made no call, and says so.
    const failed = this.view.stage.kind === 'failed' ? this.view.stage.message : undefined;
    this.finishing = (async () => {
      const call = this.current;
      this.current = undefined;
      this.finishingCall = call;
      // The record asked for when the call ended, if it did: it is this call's.
      const early = call ? this.early : undefined;
      if (call) {
        this.skip = new AbortController();
        const skip = this.skip;
        this.update({ stage: { kind: 'finishing', record: false, then } });
        await finishCall(
          this.options.ctx,
          call,
          this.options.files,
          withRecord
            ? {
                signal: skip.signal,
                onStart: () => this.update({ stage: { kind: 'finishing', record: true, then } }),
              }
            : undefined,
          reason,
          // A FIFO's reader is waited for as the record is: not after SIGTERM or SIGHUP; the
          // skip (a key while the record is fetched, a second Ctrl+C) stops the wait.
          { waitForReader: withRecord, signal: skip.signal },
          early,
        );
        this.skip = undefined;
      }
      this.finishingCall = undefined;
      this.finishing = undefined;
      this.early = undefined;
      if (then === 'redial' && !this.ended && this.stopCode === undefined) {
        // The finished call is among the earlier ones now (its summary with it): the screen's
        // current call is none until the next one is created (shown twice otherwise, and saved
        // twice by `s`).
        this.update({
          earlier: [...this.options.files.earlier],
          store: this.pending(),
          endSummary: undefined,
        });
        await this.dial();
        return;
      }
      const last = this.options.files.earlier.at(-1);
      this.end({
        exitCode: this.stopCode ?? code ?? (failed || refused ? 1 : (last?.snapshot.exitCode ?? 0)),
        calls: this.options.files.earlier,
        // A signal (`reason`: `stopped by SIGTERM`) is said as plain mode says it: nobody quit.
        ...(!call && dialing && then === 'quit'
          ? { note: `No call: ${reason ?? 'you quit'} while it was being created.` }
          : {}),
        ...(!call && picking && !refused
          ? {
              note: reason
                ? `No call: ${reason} in the agent picker.`
                : 'No call: you left the agent picker.',
            }
          : {}),
        ...(!call && refused ? { error: `No call: ${refused}` } : {}),
        ...(failed && !call ? { lastError: failed } : {}),
      });
    })();
    return this.finishing;
  }

  /**
   * The store shown while the next call is made: with the mute of the store shown now (the call
   * that ended, or the call being made before it), so `m` pressed on any of them carries on.
   */
  private pending({
    title = this.view.title,
    phase,
    between = true,
    error,
    agent,
  }: {
    title?: string;
    /** The agent the coming call is for, when the call before does not say (the first call). */
    agent?: PendingStoreOptions['agent'];
    phase?: 'error';
    /** Why (a failed redial), for the events pane. */
    error?: string;
    /** Between calls: `s` saves the run's finished calls. */
    between?: boolean;
  } = {}): Store {
    const before = this.view.store.getSnapshot();
    const label = before.label;
    return pendingStore(title, {
      ptt: this.options.ctx.o.ptt,
      muted: before.userMuted,
      ...(agent !== undefined
        ? { agent }
        : between
          ? {
              agent: {
                agentId: before.agentId,
                local: before.local,
                ...(label?.kind === 'agent' && label.agentName
                  ? { agentName: label.agentName }
                  : {}),
              },
            }
          : {}),
      ...(phase ? { phase } : {}),
      ...(error === undefined ? {} : { error }),
      ...(between ? { save: async () => this.saveFinished() } : {}),
    });
  }

  /** `s` between calls: the run's finished calls, into the run's file (made now if none). */
  private async saveFinished(): Promise<string> {
    const path = saveRun(this.options.files, secretSpellings(this.options.ctx.o.apiKey));
    if (!path) throw new Error('no call yet');
    return path;
  }

  private end(result: SessionResult): void {
    if (this.ended) return;
    this.ended = true;
    this.skip?.abort();
    this.early?.controller.abort();
    this.resolveDone(result);
  }
}
