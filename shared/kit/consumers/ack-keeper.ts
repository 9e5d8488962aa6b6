import type { JsMsg } from "@nats-io/jetstream";

/**
 * Keeps the server from redelivering messages the consumer still holds, without a
 * `working()` round trip per message: a message held for half the ack wait gets
 * `working()` (and again each half ack wait while it is held); a message taken from the
 * client's buffer while the consumer has been busy (its recent waits for a free slot add up
 * to a quarter of the ack wait) gets one as soon as it is taken, since it may have waited
 * in that buffer. A message handled promptly costs nothing extra.
 */
export interface AckKeeper {
  /** Starts tracking a message just taken from the client's buffer. */
  hold(message: JsMsg): void;
  /** Records how long the consumer just waited for a free slot. */
  waited(ms: number): void;
  /** Stops tracking a settled message. */
  release(message: JsMsg): void;
  /** Refreshes the ack wait of messages held for half of it; call every quarter ack wait. */
  refresh(): void;
  readonly held: number;
}

/** Creates a keeper for a consumer whose server-side ack wait is `ackWaitMs` and client buffer `bufferSize`. */
export function createAckKeeper({
  ackWaitMs,
  bufferSize,
  now = () => performance.now(),
}: {
  ackWaitMs: number;
  bufferSize: number;
  now?: () => number;
}): AckKeeper {
  const held = new Map<JsMsg, number>();
  const recentWaits: number[] = [];
  let recentTotal = 0;
  const touch = (message: JsMsg) => {
    message.working();
    held.set(message, now());
  };
  return {
    hold(message) {
      if (recentTotal >= ackWaitMs / 4) touch(message);
      else held.set(message, now());
    },
    waited(ms) {
      recentWaits.push(ms);
      recentTotal += ms;
      if (recentWaits.length > bufferSize) recentTotal -= recentWaits.shift() ?? 0;
    },
    release: (message) => void held.delete(message),
    refresh() {
      const cutoff = now() - ackWaitMs / 2;
      for (const [message, since] of held) if (since <= cutoff) touch(message);
    },
    get held() {
      return held.size;
    },
  };
}
