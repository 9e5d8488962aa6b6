# One image for every service; compose picks the service with SERVICE.
# Dependencies come from package-lock.json exactly (npm ci), then run on Bun as a non-root user.
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

FROM oven/bun:1.4-slim
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json bunfig.toml tsconfig.json ./
COPY shared ./shared
COPY services ./services
RUN mkdir -p /data && chown bun:bun /data
USER bun
ENV DATA_DIR=/data NODE_ENV=production
VOLUME /data
CMD ["sh", "-c", "exec bun services/${SERVICE}/src/main.ts"]
