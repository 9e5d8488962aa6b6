import { createContractRegistry } from "../kit/events/event-contract.ts";
import { inventoryEvents } from "./inventory.ts";
import { notificationEvents } from "./notifications.ts";
import { orderEvents } from "./orders.ts";
import { paymentEvents } from "./payments.ts";
import { userEvents } from "./users.ts";

export { buildAsyncApi } from "./asyncapi.ts";
export { aggregateId } from "./ids.ts";
export {
  inventoryEvents,
  productDefined,
  skuSchema,
  stockCommitted,
  stockHeld,
  stockRejected,
  stockReleased,
  stockReserved,
  stockRestocked,
  stockSold,
  stockUnheld,
} from "./inventory.ts";
export {
  notificationDelivered,
  notificationEvents,
  notificationRecorded,
  notificationTemplate,
} from "./notifications.ts";
export {
  type CancellationReason,
  cancellationReason,
  MAX_ORDER_LINES,
  orderCancelled,
  orderConfirmed,
  orderEvents,
  orderLine,
  orderPlaced,
  paymentMethodSchema,
} from "./orders.ts";
export {
  paymentCaptured,
  paymentDeclined,
  paymentEvents,
  paymentRefunded,
  paymentVoided,
} from "./payments.ts";
export { aggregatePrefixes, consumers, streams, subjects } from "./topology.ts";
export {
  EMAIL_MAX_LENGTH,
  emailSchema,
  userEvents,
  userIdSchema,
  userNameSchema,
  userRegistered,
} from "./users.ts";

/** Every event the shop knows, by type and version. */
export const contracts = createContractRegistry([
  ...userEvents,
  ...orderEvents,
  ...inventoryEvents,
  ...paymentEvents,
  ...notificationEvents,
]);
