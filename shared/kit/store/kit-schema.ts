import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** How far each projection has applied its stream; written in the same transaction as its rows. */
export const kitCheckpoints = sqliteTable("kit_checkpoints", {
  name: text("name").primaryKey(),
  position: integer("position").notNull(),
  updatedAt: text("updated_at").notNull(),
});

/**
 * Which events each durable consumer has handled; written in the same transaction as its
 * effects. Pruned past the consumer's dedupe horizon (by `processed_at`, an ISO timestamp).
 */
export const kitProcessedEvents = sqliteTable(
  "kit_processed_events",
  {
    consumer: text("consumer").notNull(),
    eventId: text("event_id").notNull(),
    processedAt: text("processed_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.consumer, t.eventId] }),
    index("kit_processed_events_processed_at").on(t.consumer, t.processedAt),
  ],
);

/**
 * Which event ids each projection applied, with the broker's stored time (ms), written in the
 * same transaction as its rows and checkpoint: a re-stored copy of an event is skipped. Pruned
 * past the projection's horizon, so it holds only recent history.
 */
export const kitProjectionEvents = sqliteTable(
  "kit_projection_events",
  {
    projection: text("projection").notNull(),
    eventId: text("event_id").notNull(),
    storedAt: integer("stored_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.projection, t.eventId] }),
    index("kit_projection_events_stored_at").on(t.projection, t.storedAt),
  ],
);

/**
 * The stream each read model in this database was built from, identified by its creation time
 * on the broker: a database built from another broker's (or a since recreated) stream must not
 * be read as if it were this one's.
 */
export const kitStreamSources = sqliteTable("kit_stream_sources", {
  stream: text("stream").primaryKey(),
  streamCreated: text("stream_created").notNull(),
  recordedAt: text("recorded_at").notNull(),
});
