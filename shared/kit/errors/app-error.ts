/** What went wrong, in the terms both HTTP and message settlement understand. */
export type ErrorKind = "validation" | "not-found" | "conflict" | "forbidden" | "unavailable";

/**
 * The one error type the kit renders and settles on. `kind` alone decides the HTTP
 * status and whether a message is retried; `code` is a stable dotted identifier
 * (`order.already-confirmed`) that clients may branch on; `details` is safe to show.
 */
export class AppError extends Error {
  override readonly name = "AppError";
  constructor(
    readonly kind: ErrorKind,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const validationError = (code: string, message: string, details?: Record<string, unknown>) =>
  new AppError("validation", code, message, details);
export const notFound = (code: string, message: string, details?: Record<string, unknown>) =>
  new AppError("not-found", code, message, details);
export const conflict = (code: string, message: string, details?: Record<string, unknown>) =>
  new AppError("conflict", code, message, details);
export const unavailable = (code: string, message: string, cause?: unknown) =>
  new AppError("unavailable", code, message, undefined, { cause });

const isKind =
  (kind: ErrorKind) =>
  (err: unknown): err is AppError =>
    err instanceof AppError && err.kind === kind;

export const isValidation = isKind("validation");
export const isNotFound = isKind("not-found");
export const isConflict = isKind("conflict");
export const isUnavailable = isKind("unavailable");

/**
 * True when retrying cannot help: the input itself is wrong or refused.
 * Unknown errors (bugs, I/O) count as transient so that they are retried, then dead-lettered.
 */
export const isPermanent = (err: unknown): err is AppError =>
  err instanceof AppError && err.kind !== "unavailable";
