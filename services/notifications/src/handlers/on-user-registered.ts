import { userRegistered } from "@shop/shared/contracts";
import { type MessageContext, on } from "@shop/shared/kit";
import { type NotifyDeps, notify } from "../app/notify.ts";

export const onUserRegistered = (deps: NotifyDeps) =>
  on(userRegistered, async (event, _context: MessageContext) => {
    const { userId, email } = event.data;
    await notify(
      deps,
      { template: "welcome", userId, recipient: email },
      {
        cause: { id: event.id, correlationId: event.correlationId, traceparent: event.traceparent },
      },
    );
  });
