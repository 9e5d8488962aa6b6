import { userRegistered } from "@shop/shared/contracts";
import { type ConsumerContext, on } from "@shop/shared/kit";
import { type NotifyDeps, notify } from "../app/notify.ts";
import type { Schema } from "../db/schema.ts";

export const onUserRegistered = (deps: NotifyDeps) =>
  on(userRegistered, async (event, _context: ConsumerContext<Schema>) => {
    const { userId, email } = event.data;
    await notify(
      deps,
      { template: "welcome", userId, recipient: email },
      {
        cause: { id: event.id, correlationId: event.correlationId, traceparent: event.traceparent },
      },
    );
  });
