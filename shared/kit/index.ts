export {
  type AggregateStore,
  type CommandMeta,
  type CommandResult,
  createAggregateStore,
  type LoadedAggregate,
  type SubjectEvent,
} from "./aggregates/aggregate-store.ts";
export { type Decider, fold } from "./aggregates/decider.ts";
export { decodeHistory } from "./aggregates/decode-history.ts";
export { createKeyedLock } from "./aggregates/keyed-lock.ts";
export { readAggregate } from "./aggregates/read-aggregate.ts";
export { readSubject, type StoredEvent } from "./aggregates/read-subject.ts";
export {
  SNAPSHOT_STREAM,
  type SnapshotOptions,
} from "./aggregates/snapshots.ts";
export {
  type BaseConfig,
  baseConfigSchema,
  ConfigError,
  intFromEnv,
  listFromEnv,
  loadConfig,
} from "./config/load-config.ts";
export { consumersReadiness } from "./consumers/consumer-readiness.ts";
export {
  DEAD_LETTER_STREAM,
  type DeadLetter,
  deadLetterSubject,
  publishDeadLetter,
} from "./consumers/dead-letter.ts";
export {
  type ConsumerContext,
  type ConsumerDefinition,
  type ConsumerHealth,
  type ConsumerOptions,
  type MessageContext,
  type RunningConsumer,
  startConsumer,
} from "./consumers/durable-consumer.ts";
export {
  DEFAULT_RETRY_POLICY,
  type RetryPolicy,
  retryDelayMs,
  retryPolicy,
} from "./consumers/retry-policy.ts";
export {
  AppError,
  conflict,
  type ErrorKind,
  isConflict,
  isNotFound,
  isPermanent,
  isUnavailable,
  isValidation,
  notFound,
  unavailable,
  validationError,
} from "./errors/app-error.ts";
export {
  type CloudEvent,
  cloudEventSchema,
  type EventEnvelope,
  type StreamPosition,
} from "./events/cloud-event.ts";
export {
  decodeCloudEvent,
  decodeEvent,
  encodeEvent,
  isUnknownVersion,
  STRUCTURED_CONTENT_TYPE,
  toEnvelope,
} from "./events/codec.ts";
export {
  type ContractRegistry,
  createContractRegistry,
  type DomainEvent,
  defineEvent,
  type EventContract,
  type EventOf,
} from "./events/event-contract.ts";
export {
  aggregateEvents,
  aggregateOf,
  eventFilters,
  eventSubject,
} from "./events/event-subject.ts";
export { type EventHandler, on } from "./events/on-event.ts";
export {
  createEventPublisher,
  type EventCause,
  type EventPublisher,
  type PublishResult,
} from "./events/publisher.ts";
export {
  createHttpApp,
  DEFAULT_MAX_BODY_BYTES,
  type HttpApp,
  type ReadinessCheck,
  type ReadinessChecks,
} from "./http/create-http-app.ts";
export {
  IDEMPOTENCY_KEY_MAX_LENGTH,
  idempotencyKeyHeader,
  idempotentId,
} from "./http/idempotency.ts";
export { json, ProblemSchema, problems } from "./http/openapi-helpers.ts";
export {
  type Problem,
  problemResponse,
  RETRY_AFTER_SECONDS,
  STATUS_BY_KIND,
} from "./http/problem.ts";
export { waitUntilVisible } from "./http/read-your-writes.ts";
export { createLogger, eventLogger, type Logger } from "./log/logger.ts";
export { createMetrics, type ServiceMetrics } from "./metrics/metrics.ts";
export { connectNats, type NatsContext } from "./nats/connection.ts";
export {
  type ConsumerSpec,
  ensureConsumer,
  ensureStream,
  ensureTopology,
  type StreamSpec,
} from "./nats/topology.ts";
export {
  type ProjectionContext,
  type ProjectionDefinition,
  type RunningProjection,
  startProjection,
} from "./projections/projection.ts";
export { runMain } from "./service/run-main.ts";
export { runService } from "./service/run-service.ts";
export {
  type RunningService,
  type ServiceKit,
  type ServiceOptions,
  startService,
} from "./service/start-service.ts";
export { readCheckpoint, saveCheckpoint } from "./store/checkpoints.ts";
export { kitCheckpoints, kitProcessedEvents } from "./store/kit-schema.ts";
export { chooseDriver, openStore } from "./store/open-store.ts";
export { markProcessed, pruneProcessed, wasProcessed } from "./store/processed-events.ts";
export { prepared, type SqliteDb, type Store, type StoreDriver } from "./store/store.ts";
