# syntax=docker/dockerfile:1
# crashlog: the build stage compiles everything and makes the single-file binary
# (`npm run build:binary`: Node, the code, the dashboard and the native addons in one
# executable); the runtime image holds that one file and nothing else.
#
#   docker build --build-arg CRASHLOG_COMMIT=$(git rev-parse --short=12 HEAD) -t crashlog .
#   (.git stays out of the build context, so `crashlog --version` learns the commit here)

FROM node:20-bookworm-slim AS build
WORKDIR /app
# The toolchain builds better-sqlite3 (node-gyp); binutils' strip trims Node's symbols.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ binutils \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY bin ./bin
COPY scripts ./scripts
COPY src ./src
COPY commands ./commands
COPY test ./test
COPY bench ./bench
ARG CRASHLOG_COMMIT=unknown
# build:binary runs `npm run build` (server, CLI, dashboard), bundles it and checks that
# the result runs; /out is the runtime image's file tree, made here where there is a shell.
RUN CRASHLOG_COMMIT="$CRASHLOG_COMMIT" npm run build:binary \
 && binary="dist/crashlog-linux-$(node -p process.arch)" \
 && install -D -m 0755 "$binary" /out/usr/local/bin/crashlog \
 && install -D -m 0644 "$binary.licenses.txt" /out/usr/local/share/doc/crashlog/LICENSES.txt \
 && mkdir -p /out/data

# glibc, libstdc++ and libgcc_s (what Node and the addons link to), CA certificates,
# /tmp, a "nonroot" user (65532) with a home, and no shell or package manager.
FROM gcr.io/distroless/cc-debian12:nonroot AS runtime
COPY --from=build /out/usr/local /usr/local
COPY --from=build --chown=65532:65532 /out/data /data
# The embedded SQLite database lives in the volume. The native addons are written once
# to ~/.cache/crashlog (/home/nonroot); with --read-only, add --tmpfs /tmp (the fallback)
# or set CRASHLOG_CACHE_DIR to a writable folder.
ENV CRASHLOG_DB=sqlite:/data/crashlog.db \
    CRASHLOG_HOST=0.0.0.0 \
    CRASHLOG_PORT=8080
WORKDIR /data
USER nonroot:nonroot
VOLUME ["/data"]
EXPOSE 8080
# No curl in the image: the binary checks itself (GET /healthz on 127.0.0.1:$CRASHLOG_PORT).
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["crashlog", "healthcheck"]
CMD ["crashlog", "serve", "--host", "0.0.0.0"]
