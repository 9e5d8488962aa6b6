import type { JetStreamManager } from "@nats-io/jetstream";

/** Whether `subject` matches the NATS `pattern` (`*` one token, `>` one or more at the end). */
export function subjectMatches(pattern: string, subject: string): boolean {
  const want = pattern.split(".");
  const have = subject.split(".");
  for (let i = 0; i < want.length; i++) {
    if (want[i] === ">") return have.length > i;
    if (i >= have.length || (want[i] !== "*" && want[i] !== have[i])) return false;
  }
  return want.length === have.length;
}

/**
 * Refuses to narrow a stream's subjects past what it already stores: the messages left outside
 * would stay in the stream but never be read again (an aggregate's history, a user's
 * registration), and the services would go on as if they had never happened. Throws, naming a
 * stored subject the new subjects do not cover. Lists the stream's subjects: run it only when
 * the subjects change.
 */
export async function refuseUncoveredSubjects(
  jsm: JetStreamManager,
  stream: string,
  subjects: readonly string[],
): Promise<void> {
  const info = await jsm.streams.info(stream, { subjects_filter: ">" });
  const stored = Object.keys(info.state.subjects ?? {});
  const outside = stored.find((s) => !subjects.some((pattern) => subjectMatches(pattern, s)));
  if (outside === undefined) return;
  throw new Error(
    `stream ${stream} holds messages on ${outside}, which its new subjects (${subjects.join(", ")}) ` +
      "no longer store: they were written by an earlier release and would never be read again. " +
      "Start from an empty store (npm run dev keeps it under data/: remove data/), or move the " +
      "events to the new subjects first.",
  );
}
