import type { JetStreamManager } from "@nats-io/jetstream";
import { countStoredAfter, type ReaderSession } from "./projection-reader.ts";
import type { ProjectionTracker } from "./projection-status.ts";

const ANSWER_WITHIN_MS = 300;
const SOON_INTERVAL_MS = 1_000;
const HALTED_COUNT_INTERVAL_MS = 5_000;

export interface LagRefresherDeps {
  jsm: JetStreamManager;
  tracker: ProjectionTracker;
  name: string;
  stream: string;
  filterSubject: string | readonly string[];
  isConnected(): boolean;
  session(): ReaderSession | undefined;
}

const withTimeout = <T>(promise: Promise<T>, ms: number): Promise<T> => {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
};

/**
 * Keeps a projection's lag true between messages by asking the broker. `refresh()` asks the
 * open consumer what it has not handed out yet; a halted projection has none, so it counts
 * what is stored after its position instead (at most every 5 s: that creates and deletes a
 * consumer). It never throws and waits at most 300 ms: without an answer the last lag stays.
 * `refreshSoon()` does the same in the background, at most once a second.
 */
export function createLagRefresher(deps: LagRefresherDeps) {
  const { jsm, tracker, name, stream, filterSubject } = deps;
  let soonAt = 0;
  let countedAt = 0;

  async function refresh() {
    if (!deps.isConnected()) return;
    if (tracker.halted) {
      if (Date.now() - countedAt < HALTED_COUNT_INTERVAL_MS) return;
      countedAt = Date.now();
      const counting = countStoredAfter(jsm, {
        stream,
        filterSubject,
        after: tracker.position,
        label: name,
      });
      await withTimeout(counting, ANSWER_WITHIN_MS).then(
        (lag) => tracker.measured(lag),
        () => undefined,
      );
      return;
    }
    const session = deps.session();
    if (!session) return;
    await withTimeout(session.undelivered(), ANSWER_WITHIN_MS).then(
      (undelivered) => deps.session() === session && tracker.undeliveredIs(undelivered),
      () => undefined,
    );
  }

  return {
    refresh,
    refreshSoon() {
      if (Date.now() - soonAt < SOON_INTERVAL_MS) return;
      soonAt = Date.now();
      void refresh();
    },
  };
}
