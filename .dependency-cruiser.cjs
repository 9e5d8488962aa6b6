/**
 * Import boundaries (see STYLE.md): services are sealed from each other, domain code stays pure,
 * shared/ never depends on a service, and there are no import cycles.
 * Run with `npm run lint` (depcruise --config .dependency-cruiser.cjs services shared scripts).
 */

const TEST_FILE = "\\.test\\.ts$";

/** Packages that do I/O (built-ins are caught by dependency type): the broker client, the database, HTTP and logging. */
const IO_PACKAGES = [
  "(^|node_modules/)@nats-io/",
  "(^|node_modules/)drizzle-orm",
  "(^|node_modules/)@libsql/",
  "(^|node_modules/)hono",
  "(^|node_modules/)@hono/",
  "(^|node_modules/)pino",
];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-cross-service-imports",
      comment:
        "A service is sealed: it knows other services only through shared/contracts and the subjects they publish.",
      severity: "error",
      from: { path: "^services/([^/]+)/" },
      to: { path: "^services/", pathNot: "^services/$1/" },
    },
    {
      name: "domain-is-pure",
      comment:
        "services/*/src/domain holds state, evolve and decide: no I/O, no infrastructure layers, no kit runtime. " +
        "It may import @shop/shared/contracts, @shop/shared/domain (the kit's pure part) and zod.",
      severity: "error",
      from: { path: "^services/[^/]+/src/domain/", pathNot: TEST_FILE },
      to: {
        path: [
          ...IO_PACKAGES,
          "^services/[^/]+/src/(db|http|handlers|projections|app)/",
          "^services/[^/]+/src/(main|config)\\.ts$",
          "^shared/(kit|testing)/",
        ],
        pathNot: "^shared/kit/domain\\.ts$",
      },
    },
    {
      name: "domain-has-no-io-builtins",
      comment: "Domain code may not use Node or Bun built-in modules (fs, net, timers, sqlite...).",
      severity: "error",
      from: { path: "^services/[^/]+/src/domain/", pathNot: TEST_FILE },
      to: { dependencyTypes: ["core"] },
    },
    {
      name: "shared-does-not-import-services",
      comment: "The kit and the contracts serve every service; they cannot depend on one.",
      severity: "error",
      from: { path: "^shared/" },
      to: { path: "^services/" },
    },
    {
      name: "no-circular",
      comment: "Import cycles make load order matter and layers meaningless.",
      severity: "error",
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ["type-only"] } },
    },
    {
      name: "no-dev-dependencies-in-production-code",
      comment: "Tools (biome, drizzle-kit, typescript...) are not installed where services run.",
      severity: "error",
      from: {
        path: "^(services|shared)/",
        pathNot: [TEST_FILE, "^shared/testing/", "drizzle\\.config\\.ts$"],
      },
      // "bun" resolves to @types/bun, but at run time it is Bun's built-in module.
      to: {
        dependencyTypes: ["npm-dev"],
        dependencyTypesNot: ["type-only"],
        pathNot: "node_modules/@types/",
      },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: ["^data/", "(^|/)drizzle/", "(^|/)migrations/"] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    combinedDependencies: true,
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "bun", "require", "node", "default", "types"],
      mainFields: ["module", "main", "types", "typings"],
    },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
