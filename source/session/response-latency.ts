/**
 * Which start of agent audio answers the user, for the response latency (docs/architecture.md,
 * "Response latency"). A pure state machine the store feeds; nothing here reads a clock.
 *
 * The rule: a latency is measured for an agent turn that *answers* the user, one whose transcript
 * ordinal comes after a user turn no reply has been measured for yet. The ordinals are the
 * server's own order of turns (one sequence for both roles), so the greeting, a reply already
 * under way when the user spoke, or the tail of a reply cut by barge-in (all ordered before the
 * user's turn) never count, however their audio falls in time. The time is taken at the turn's
 * first audio after the user's last speech (a loud mic frame or a typed message), counted from
 * that speech or, when the agent was still talking then, from the end of its audio: the first
 * playback start of that turn; a later start of the same turn (after its audio ran dry) is a
 * continuation. Transcripts may come before or after the audio: a start is kept as a candidate
 * until its turn's ordinal and the user's turn before it are known.
 */

/** The agent turn the audio starting now belongs to, as far as the transcript says. */
export type AudioOwner =
  /** The latest agent turn, still open (not final): audio now is that turn's. */
  | { readonly ordinal: number }
  /** No agent turn open: the audio is a new turn's whose transcript has not come yet. */
  | undefined;

interface Candidate {
  /** The agent turn; undefined until its first transcript message comes. */
  ordinal: number | undefined;
  readonly latencyMs: number;
}

export class ResponseLatency {
  /** When the user last spoke (ms); 0: not yet. */
  private speechAt = 0;
  /** When the agent's audio last stopped being heard (ms); 0: not yet. */
  private audioEndAt = 0;
  /** The user spoke since the last latency was recorded. */
  private spokeSinceRecorded = false;
  /** Highest agent ordinal whose audio has started (later starts of it are continuations). */
  private startedOrdinal = -1;
  /** Audio of an agent turn not yet in the transcript has started. */
  private unknownStarted = false;
  /** Highest agent ordinal seen in the transcript. */
  private agentOrdinal = -1;
  /** Ordinals of user turns no reply was measured for yet (a few at most). */
  private unanswered: number[] = [];
  /** Highest user ordinal a reply was measured for. */
  private answeredOrdinal = -1;
  private candidate: Candidate | undefined;
  /** The agent turn whose latency was last returned. */
  private lastAnswer = -1;

  /** The ordinal of the agent turn the last latency returned is of (-1: none yet). */
  get answerOrdinal(): number {
    return this.lastAnswer;
  }

  /** The user spoke (a mic frame over the speech threshold) or sent a typed message. */
  userSpoke(at: number): void {
    this.speechAt = at;
    this.spokeSinceRecorded = true;
    // Audio of a turn not yet in the transcript started before the user stopped speaking: it
    // does not answer this speech (the greeting arriving while the user talks).
    if (this.candidate && this.candidate.ordinal === undefined) this.candidate = undefined;
    this.unknownStarted = false;
  }

  /** A transcript message of a user turn. */
  userTurn(ordinal: number): number | undefined {
    if (ordinal <= this.answeredOrdinal || this.unanswered.includes(ordinal)) return undefined;
    this.unanswered.push(ordinal);
    return this.tryRecord();
  }

  /** A transcript message of an agent turn. Returns a latency when this settles one. */
  agentTurn(ordinal: number): number | undefined {
    if (ordinal <= this.agentOrdinal) return undefined;
    this.agentOrdinal = ordinal;
    if (this.unknownStarted) {
      // The audio that started before this turn's first words was this turn's.
      this.unknownStarted = false;
      this.startedOrdinal = Math.max(this.startedOrdinal, ordinal);
      if (this.candidate && this.candidate.ordinal === undefined) this.candidate.ordinal = ordinal;
    }
    return this.tryRecord();
  }

  /**
   * The agent's audio stops being heard at `at` (it ended, or was cleared). An answer cannot
   * start before the agent has stopped talking: a message typed (or words said without a
   * barge-in) while a reply still plays is answered once it has played, and the latency counts
   * from then, not from the message (typed during a 5 s greeting, it read 5 s).
   */
  playbackStopped(at: number): void {
    this.audioEndAt = Math.max(this.audioEndAt, at);
  }

  /**
   * Agent audio starts to be heard at `heardAt` (after silence). `owner`: the open agent turn,
   * if any. Returns a latency when this start is the answer to the user's speech.
   */
  playbackStarted(heardAt: number, owner: AudioOwner): number | undefined {
    if (owner === undefined) {
      if (this.unknownStarted) return undefined;
      this.unknownStarted = true;
    } else {
      if (owner.ordinal <= this.startedOrdinal) return undefined;
      this.startedOrdinal = owner.ordinal;
    }
    if (this.speechAt === 0 || !this.spokeSinceRecorded) {
      this.candidate = undefined;
      return undefined;
    }
    const from = Math.max(this.speechAt, Math.min(this.audioEndAt, heardAt));
    this.candidate = { ordinal: owner?.ordinal, latencyMs: Math.round(heardAt - from) };
    return this.tryRecord();
  }

  /** The candidate's turn follows a user turn not answered yet: that is its latency. */
  private tryRecord(): number | undefined {
    const c = this.candidate;
    if (c?.ordinal === undefined) return undefined;
    const agent = c.ordinal;
    const answered = this.unanswered.filter((o) => o < agent);
    // None yet: the user's turn may still come (its transcript late), or the turn is ordered
    // before the user's (the greeting): then no user turn below it ever comes.
    if (answered.length === 0) return undefined;
    this.answeredOrdinal = Math.max(this.answeredOrdinal, ...answered);
    this.unanswered = this.unanswered.filter((o) => o > this.answeredOrdinal);
    this.candidate = undefined;
    this.spokeSinceRecorded = false;
    this.lastAnswer = agent;
    return c.latencyMs;
  }
}
