import { eq } from "drizzle-orm";
import { AppError } from "../errors/app-error.ts";
import { kitStreamSources } from "./kit-schema.ts";
import type { SqliteDb, Store } from "./store.ts";

type Db = SqliteDb<Record<string, unknown>>;

/**
 * Checks that this database's read models of `stream` were built from the stream the broker
 * has now (same creation time), and records it the first time. Throws AppError
 * `store.other-source` when they differ: the database was built against another broker, or
 * the stream has been deleted and recreated since, so its rows and checkpoints describe
 * events this broker does not have. The message says how to rebuild.
 */
export async function verifyStreamSource(
  store: Store<Record<string, unknown>>,
  { stream, created, database }: { stream: string; created: string; database: string },
): Promise<void> {
  await store.write(async (tx: Db) => {
    const [known] = await tx
      .select()
      .from(kitStreamSources)
      .where(eq(kitStreamSources.stream, stream));
    if (!known) {
      await tx
        .insert(kitStreamSources)
        .values({ stream, streamCreated: created, recordedAt: new Date().toISOString() });
      return;
    }
    if (known.streamCreated === created) return;
    throw new AppError(
      "conflict",
      "store.other-source",
      `${database} holds read models of stream ${stream} created at ${known.streamCreated}, but the ` +
        `broker's ${stream} was created at ${created} (another broker, or the stream was recreated). ` +
        "Delete the database file to rebuild it from this broker's streams, or point DATA_DIR " +
        "(or DATABASE_URL) at a database built from this broker.",
      { stream, recorded: known.streamCreated, broker: created },
    );
  });
}
