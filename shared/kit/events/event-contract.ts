import type { z } from "zod";

/** One event type at one schema version: the unit of the contracts in `@shop/shared/contracts`. */
export interface EventContract<Type extends string = string, Schema extends z.ZodType = z.ZodType> {
  readonly type: Type;
  readonly version: number;
  readonly schema: Schema;
  readonly description: string;
}

/** A domain event as deciders and handlers see it: a past-tense fact and its payload. */
export interface DomainEvent<Type extends string = string, Data = unknown> {
  type: Type;
  data: Data;
}

/** The domain event a contract describes. */
export type EventOf<C> =
  C extends EventContract<infer T, infer S> ? DomainEvent<T, z.infer<S>> : never;

/** Declares an event contract. `version` is the payload schema version (default 1). */
export function defineEvent<Type extends string, Schema extends z.ZodType>(
  type: Type,
  schema: Schema,
  { version = 1, description = "" }: { version?: number; description?: string } = {},
): EventContract<Type, Schema> {
  return { type, version, schema, description };
}

/** Looks contracts up by type and version; built once from the list of all contracts. */
export interface ContractRegistry {
  get(type: string, version?: number): EventContract | undefined;
  all(): readonly EventContract[];
}

export function createContractRegistry(contracts: readonly EventContract[]): ContractRegistry {
  const byKey = new Map(contracts.map((c) => [`${c.type}@${c.version}`, c]));
  return {
    get: (type, version = 1) => byKey.get(`${type}@${version}`),
    all: () => contracts,
  };
}
