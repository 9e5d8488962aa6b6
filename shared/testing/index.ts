export { eventsOfAggregate } from "./aggregate-events";
export { type ChildProcess, type SpawnChildOptions, spawnChild } from "./child-process";
export { createFaultyPublisher, type PublisherFaults } from "./faulty-publisher";
export { getFreePort } from "./free-port";
export {
  type FoundBinary,
  findNatsCli,
  findNatsServer,
  isAtLeast,
  natsServerInstallHint,
  natsVersions,
  parseVersion,
} from "./nats-binaries";
export { type NatsClusterHandle, type NatsClusterOptions, startNatsCluster } from "./nats-cluster";
export {
  type NatsServerHandle,
  type NatsServerOptions,
  startNatsServer,
} from "./nats-server";
export { requestJson } from "./request-json";
export {
  type ServiceProcessHandle,
  type ServiceProcessOptions,
  startServiceProcess,
} from "./service-process";
export { type ServiceTestBed, startServiceTestBed } from "./service-test-bed";
export { createTempDir, type TempDir } from "./temp-dir";
export { type WaitOptions, waitFor, waitUntil } from "./wait-until";
