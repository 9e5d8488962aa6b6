/** Where a projection stands, for readiness and operators. */
export type ProjectionState = "catching-up" | "live" | "behind" | "stalled" | "halted" | "stopped";

/** A projection's health: `ready` is what readiness checks; `reason` says why not. */
export interface ProjectionStatus {
  state: ProjectionState;
  ready: boolean;
  /** Set whenever `ready` is false. */
  reason?: string;
  /** Stream sequence applied and committed. */
  position: number;
  /** Events stored and not applied yet, as far as known (see ProjectionTracker.lag). */
  lag: number;
}

export interface TrackerOptions {
  position: number;
  /** Lag above which a caught-up projection counts as behind (not ready). */
  maxLag: number;
  /** Known work, or failures, without progress for this long make the projection stalled. */
  stallAfterMs: number;
  now?: () => number;
}

/**
 * The bookkeeping behind a projection's status, fed by its pipeline; no I/O.
 *
 * Lag = messages delivered but not committed + what the broker last said it had not delivered
 * yet (at session open, with each message, or when asked), or what it measured with no
 * consumer open. It keeps its last value meanwhile, so a stuck projection never reports 0.
 *
 * Stalled: a failure (a batch that will not commit, a consumer that cannot be opened, a dead
 * letter that cannot be stored) has lasted `stallAfterMs`, or there has been lag for
 * `stallAfterMs` with no batch committed. Halted: its handler failure policy stopped it.
 */
export class ProjectionTracker {
  #position: number;
  #inHand = 0;
  #undelivered = 0;
  #caughtUp = false;
  #lagSince: number | undefined;
  #lastCommitAt: number;
  #troubleSince: number | undefined;
  #trouble: string | undefined;
  #halted: string | undefined;
  #stopped = false;
  readonly #maxLag: number;
  readonly #stallAfterMs: number;
  readonly #now: () => number;

  constructor({ position, maxLag, stallAfterMs, now = Date.now }: TrackerOptions) {
    this.#position = position;
    this.#maxLag = maxLag;
    this.#stallAfterMs = stallAfterMs;
    this.#now = now;
    this.#lastCommitAt = now();
  }

  get position() {
    return this.#position;
  }

  get caughtUp() {
    return this.#caughtUp;
  }

  get halted() {
    return this.#halted !== undefined;
  }

  lag() {
    return this.#inHand + this.#undelivered;
  }

  /** A consumer opened from the checkpoint; the broker has `pending` messages for it. */
  sessionOpened(pending: number) {
    this.#inHand = 0;
    this.#setUndelivered(pending);
    this.#clearTrouble();
  }

  /** A message arrived; the broker has `pendingAfter` more for this consumer. */
  delivered(pendingAfter: number) {
    this.#inHand += 1;
    this.#setUndelivered(pendingAfter);
  }

  /** The broker's latest count of messages it has not delivered yet. */
  undeliveredIs(pending: number) {
    this.#setUndelivered(pending);
  }

  /** With no consumer open: `lag` messages are stored after the position. */
  measured(lag: number) {
    this.#inHand = 0;
    this.#setUndelivered(lag);
  }

  /** A batch of `count` delivered messages committed, up to `sequence`. */
  committed(count: number, sequence: number) {
    this.#position = sequence;
    this.#inHand = Math.max(0, this.#inHand - count);
    this.#lastCommitAt = this.#now();
    this.#clearTrouble();
    this.#settleLag();
  }

  /** Something failed; it counts towards stalled until a commit or a new session. */
  failing(reason: string) {
    this.#troubleSince ??= this.#now();
    this.#trouble = reason;
  }

  halt(reason: string) {
    this.#halted = reason;
  }

  stop() {
    this.#stopped = true;
  }

  status(): ProjectionStatus {
    const position = this.#position;
    const lag = this.lag();
    const base = { position, lag };
    if (this.#stopped) return { ...base, state: "stopped", ready: false, reason: "stopped" };
    if (this.#halted !== undefined)
      return { ...base, state: "halted", ready: false, reason: `halted: ${this.#halted}` };
    const now = this.#now();
    if (this.#troubleSince !== undefined && now - this.#troubleSince >= this.#stallAfterMs) {
      const seconds = Math.round((now - this.#troubleSince) / 1_000);
      const reason = `stalled for ${seconds} s at sequence ${position}: ${this.#trouble}`;
      return { ...base, state: "stalled", ready: false, reason };
    }
    const waitingSince = Math.max(this.#lastCommitAt, this.#lagSince ?? now);
    if (lag > 0 && now - waitingSince >= this.#stallAfterMs) {
      const seconds = Math.round((now - waitingSince) / 1_000);
      // A failure under way is the reason, even when the lag was there before it began.
      const reason =
        this.#trouble === undefined
          ? `stalled: ${lag} events not applied and nothing committed for ${seconds} s`
          : `stalled for ${seconds} s at sequence ${position}: ${this.#trouble}`;
      return { ...base, state: "stalled", ready: false, reason };
    }
    if (!this.#caughtUp)
      return {
        ...base,
        state: "catching-up",
        ready: false,
        reason: `catching up: ${lag} events to apply`,
      };
    if (lag > this.#maxLag) {
      const reason = `behind: ${lag} events not applied (bound ${this.#maxLag})`;
      return { ...base, state: "behind", ready: false, reason };
    }
    return { ...base, state: "live", ready: true };
  }

  #setUndelivered(pending: number) {
    this.#undelivered = pending;
    this.#settleLag();
  }

  #settleLag() {
    if (this.lag() === 0) {
      this.#caughtUp = true;
      this.#lagSince = undefined;
    } else {
      this.#lagSince ??= this.#now();
    }
  }

  #clearTrouble() {
    this.#troubleSince = undefined;
    this.#trouble = undefined;
  }
}
