# One image for every service; compose picks the service with SERVICE.
FROM oven/bun:1.4-slim
WORKDIR /app
COPY package.json package-lock.json bunfig.toml tsconfig.json ./
COPY shared ./shared
COPY services ./services
RUN bun install --production --ignore-scripts
ENV DATA_DIR=/data NODE_ENV=production
VOLUME /data
CMD ["sh", "-c", "exec bun services/${SERVICE}/src/main.ts"]
