/**
 * The pure part of the kit that domain code may import: errors, the decider shape and
 * event types. Nothing here does I/O.
 */
export { type Decider, fold } from "./aggregates/decider.ts";
export {
  AppError,
  conflict,
  type ErrorKind,
  isConflict,
  isNotFound,
  isValidation,
  notFound,
  validationError,
} from "./errors/app-error.ts";
export type { DomainEvent, EventOf } from "./events/event-contract.ts";
