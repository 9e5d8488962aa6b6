import type { ServiceName } from "../../tests/e2e/shop-harness.ts";
import type { ChaosShop } from "./chaos-shop.ts";
import type { FailedCommand } from "./http-client.ts";
import type { ChaosOptions } from "./options.ts";
import type { Progress } from "./progress.ts";
import type { Random } from "./random.ts";
import type { ViolationLog } from "./violations.ts";

/** Who asked for an order, and what its outcome must be. */
export type OrderIntent =
  | "paid"
  | "declined"
  | "out-of-stock"
  | "customer-cancel"
  | "canary"
  | "fuzz";

/** An order a client got accepted (202). */
export interface AcceptedOrder {
  orderId: string;
  intent: OrderIntent;
  userId: string;
  totalCents: number;
  acceptedAt: number;
  /** The customer's cancel request: its final answer (status and problem code). */
  cancel?: { status: number; code: string | undefined } | undefined;
}

/** What every part of a run shares. */
export interface ChaosContext {
  options: ChaosOptions;
  random: Random;
  chaos: ChaosShop;
  urlOf(service: ServiceName): string;
  violations: ViolationLog;
  failedCommands: FailedCommand[];
  progress: Progress;
  accepted: Map<string, AcceptedOrder>;
  /** Writes one JSON line of figures or events. */
  emit(kind: string, fields: Record<string, unknown>): void;
  /** True once the run's time budget for the load phase is spent. */
  overTime(): boolean;
  /** The load's pace: at most this many orders accepted per second (Infinity: as fast as it goes). */
  ordersPerSecond: number;
  /** Set once every fault was injected: the load keeps going past its target until then. */
  faultsDone: boolean;
}
