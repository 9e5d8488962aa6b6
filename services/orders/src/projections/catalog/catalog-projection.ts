import {
  aggregatePrefixes,
  productDefined,
  streams,
  subjects,
  userRegistered,
} from "@shop/shared/contracts";
import {
  eventFilters,
  on,
  type ProjectionContext,
  type ProjectionDefinition,
} from "@shop/shared/kit";
import { sql } from "drizzle-orm";
import { catalog, knownUsers, type Schema } from "../../db/schema.ts";

type Context = ProjectionContext<Schema>;

/** Prices come from inventory's events: orders never calls another service. */
export const catalogProjection: ProjectionDefinition<Schema> = {
  name: "order-catalog",
  stream: streams.inventory.name,
  // Prices only: the server does not send it the skus' stock movements.
  filterSubject: eventFilters(aggregatePrefixes.skus, [productDefined.type]),
  handlers: [
    on(productDefined, async (event, { tx }: Context) => {
      const { sku, name, priceCents } = event.data;
      await tx
        .insert(catalog)
        .values({ sku, name, priceCents })
        .onConflictDoUpdate({
          target: catalog.sku,
          set: { name: sql`excluded.name`, priceCents: sql`excluded.price_cents` },
        });
    }),
  ],
};

export const knownUsersProjection: ProjectionDefinition<Schema> = {
  name: "order-users",
  stream: streams.users.name,
  filterSubject: subjects.allUsers,
  handlers: [
    on(userRegistered, async (event, { tx }: Context) => {
      await tx.insert(knownUsers).values({ userId: event.data.userId }).onConflictDoNothing();
    }),
  ],
};
