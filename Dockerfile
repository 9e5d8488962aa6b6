# One image for every service; compose picks the process with SERVICE (a folder of dist/).
# Dependencies come from package-lock.json exactly (npm ci); each service and the card gateway is
# bundled (npm run build) and runs from its bundle on Bun as a non-root user.
FROM node:20-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY shared/package.json shared/
COPY services/users/package.json services/users/
COPY services/orders/package.json services/orders/
COPY services/inventory/package.json services/inventory/
COPY services/payments/package.json services/payments/
COPY services/notifications/package.json services/notifications/
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM oven/bun:1.4-slim AS build
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json bunfig.toml tsconfig.json ./
COPY shared ./shared
COPY services ./services
COPY scripts/build.ts scripts/
COPY scripts/lib ./scripts/lib
RUN bun scripts/build.ts

FROM oven/bun:1.4-slim
WORKDIR /app
# The bundles leave @libsql/client and pino-pretty to node_modules.
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN mkdir -p /data && chown bun:bun /data
USER bun
ENV DATA_DIR=/data NODE_ENV=production
VOLUME /data
CMD ["sh", "-c", "exec bun dist/${SERVICE}/src/main.js"]
