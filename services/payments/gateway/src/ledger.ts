import { Database } from "bun:sqlite";
import { conflict, notFound } from "@shop/shared/kit";

/** A charge attempt as the processor keeps it: captured, or declined with its reason. */
export interface Charge {
  id: string;
  idempotencyKey: string;
  status: "captured" | "declined";
  declineReason: string | null;
  amountCents: number;
  paymentMethod: string;
  /** What has been refunded of it so far. */
  refundedCents: number;
  createdAt: string;
}

export interface Refund {
  id: string;
  idempotencyKey: string;
  chargeId: string;
  amountCents: number;
  createdAt: string;
}

/** A charge attempt to record: the outcome is decided before it is stored. */
export interface NewCharge {
  idempotencyKey: string;
  amountCents: number;
  paymentMethod: string;
  declineReason: string | undefined;
}

export interface NewRefund {
  idempotencyKey: string;
  chargeId: string;
  amountCents: number;
}

/** What a write answers: the stored record, and whether it was stored by an earlier request with the same key. */
export interface Recorded<T> {
  record: T;
  replayed: boolean;
}

/** The processor's durable books. Every write commits (synchronously, fsynced) before it returns. */
export interface Ledger {
  /**
   * Records a charge attempt under its idempotency key, once: when the key is already
   * known, the first attempt is returned unchanged (`replayed`), whatever this request says.
   */
  recordCharge(charge: NewCharge): Recorded<Charge>;
  /**
   * Records a refund under its idempotency key, once (a known key returns the first refund).
   * Throws AppError `not-found` (`charge.not-found`) for an unknown charge, `conflict`
   * (`refund.charge-not-captured`) for a declined one, and `conflict` (`refund.exceeds-charge`)
   * when the refunds would add up to more than was charged.
   */
  recordRefund(refund: NewRefund): Recorded<Refund>;
  /** Every charge attempt, oldest first, or only the one recorded under `idempotencyKey`. */
  listCharges(filter?: { idempotencyKey?: string }): Charge[];
  /** True while the database answers. */
  isHealthy(): boolean;
  close(): void;
}

export interface LedgerOptions {
  now?: () => Date;
  /** A new unique id with this prefix (`ch`, `re`). */
  newId?: (prefix: string) => string;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS charges (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    idempotency_key TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL CHECK (status IN ('captured', 'declined')),
    decline_reason TEXT,
    amount_cents INTEGER NOT NULL,
    payment_method TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE TABLE IF NOT EXISTS refunds (
    id TEXT PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    charge_id TEXT NOT NULL REFERENCES charges (id),
    amount_cents INTEGER NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS refunds_by_charge ON refunds (charge_id);
`;

const CHARGE_COLUMNS = `
  c.id, c.idempotency_key AS idempotencyKey, c.status, c.decline_reason AS declineReason,
  c.amount_cents AS amountCents, c.payment_method AS paymentMethod, c.created_at AS createdAt,
  (SELECT coalesce(sum(r.amount_cents), 0) FROM refunds r WHERE r.charge_id = c.id) AS refundedCents
`;

const REFUND_COLUMNS = `
  id, idempotency_key AS idempotencyKey, charge_id AS chargeId, amount_cents AS amountCents,
  created_at AS createdAt
`;

const randomId = (prefix: string) => `${prefix}_${crypto.randomUUID().replaceAll("-", "")}`;

/**
 * Opens (creating if needed) the ledger in the SQLite file at `path`. Writes are transactions
 * in WAL mode with `synchronous = FULL`: once a call returns, its record survives a crash of
 * the process or the machine, so a key answered before a restart is answered the same after it.
 */
export function openLedger(
  path: string,
  { now = () => new Date(), newId = randomId }: LedgerOptions = {},
): Ledger {
  const db = new Database(path, { create: true, strict: true });
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = FULL");
  db.exec("PRAGMA busy_timeout = 5000");
  db.exec("PRAGMA foreign_keys = ON");
  db.exec(SCHEMA);

  const chargeByKey = db.query<Charge, [string]>(
    `SELECT ${CHARGE_COLUMNS} FROM charges c WHERE c.idempotency_key = ?`,
  );
  const chargeById = db.query<Charge, [string]>(
    `SELECT ${CHARGE_COLUMNS} FROM charges c WHERE c.id = ?`,
  );
  const allCharges = db.query<Charge, []>(`SELECT ${CHARGE_COLUMNS} FROM charges c ORDER BY seq`);
  const insertCharge = db.query(
    `INSERT INTO charges (id, idempotency_key, status, decline_reason, amount_cents, payment_method, created_at)
     VALUES ($id, $key, $status, $reason, $amount, $method, $at)`,
  );
  const refundByKey = db.query<Refund, [string]>(
    `SELECT ${REFUND_COLUMNS} FROM refunds WHERE idempotency_key = ?`,
  );
  const insertRefund = db.query(
    `INSERT INTO refunds (id, idempotency_key, charge_id, amount_cents, created_at)
     VALUES ($id, $key, $chargeId, $amount, $at)`,
  );
  const ping = db.query<{ ok: number }, []>("SELECT 1 AS ok");

  // IMMEDIATE transactions take the write lock before reading the key, so two writers
  // (even two processes on the same file) can never both find it free.
  const recordCharge = db.transaction((charge: NewCharge): Recorded<Charge> => {
    const known = chargeByKey.get(charge.idempotencyKey);
    if (known) return { record: known, replayed: true };
    const id = newId("ch");
    insertCharge.run({
      id,
      key: charge.idempotencyKey,
      status: charge.declineReason === undefined ? "captured" : "declined",
      reason: charge.declineReason ?? null,
      amount: charge.amountCents,
      method: charge.paymentMethod,
      at: now().toISOString(),
    });
    return { record: chargeById.get(id)!, replayed: false };
  });

  const recordRefund = db.transaction((refund: NewRefund): Recorded<Refund> => {
    const known = refundByKey.get(refund.idempotencyKey);
    if (known) return { record: known, replayed: true };
    const charge = chargeById.get(refund.chargeId);
    if (!charge) throw notFound("charge.not-found", `no charge ${refund.chargeId}`);
    if (charge.status !== "captured")
      throw conflict("refund.charge-not-captured", `charge ${charge.id} was declined`);
    if (charge.refundedCents + refund.amountCents > charge.amountCents)
      throw conflict(
        "refund.exceeds-charge",
        `charge ${charge.id} has ${charge.amountCents - charge.refundedCents} cents left to refund`,
      );
    const id = newId("re");
    insertRefund.run({
      id,
      key: refund.idempotencyKey,
      chargeId: refund.chargeId,
      amount: refund.amountCents,
      at: now().toISOString(),
    });
    return { record: refundByKey.get(refund.idempotencyKey)!, replayed: false };
  });

  return {
    recordCharge: (charge) => recordCharge.immediate(charge),
    recordRefund: (refund) => recordRefund.immediate(refund),
    listCharges: ({ idempotencyKey } = {}) => {
      if (idempotencyKey === undefined) return allCharges.all();
      const charge = chargeByKey.get(idempotencyKey);
      return charge ? [charge] : [];
    },
    isHealthy: () => {
      try {
        return ping.get()?.ok === 1;
      } catch {
        return false;
      }
    },
    close: () => db.close(),
  };
}
