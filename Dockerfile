# syntax=docker/dockerfile:1
# crashlog: build on Node 20 with the toolchain for the native addons (bcrypt,
# better-sqlite3), ship only production dependencies and the compiled output.

FROM node:20-slim AS build
WORKDIR /app
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY bin ./bin
COPY src ./src
COPY commands ./commands
COPY test ./test
COPY bench ./bench
RUN npm run build && npm prune --omit=dev

FROM node:20-slim AS runtime
ENV NODE_ENV=production \
    CRASHLOG_DB=sqlite:/data/crashlog.db \
    CRASHLOG_HOST=0.0.0.0 \
    CRASHLOG_PORT=8080
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/bin ./bin
COPY --from=build /app/dist/src ./dist/src
COPY --from=build /app/dist/commands ./dist/commands
# Non-root, and the only writable place is the data volume.
RUN groupadd --system crashlog && useradd --system --gid crashlog --home /data crashlog \
 && mkdir -p /data && chown crashlog:crashlog /data \
 && ln -s /app/bin/run.js /usr/local/bin/crashlog
USER crashlog
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:8080/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["crashlog", "serve", "--host", "0.0.0.0"]
