# check=error=true
# (BuildKit's checks, the ones deploy/checks/container.sh runs, fail `docker build` instead of
# only warning.)
#
# The scorestream processor: `docker build -t scorestream .`, then
#   docker run --read-only --tmpfs /tmp -v scorestream-state:/var/lib/scorestream \
#     -e KAFKA_BROKERS=... -e SCHEMA_REGISTRY_URL=... -p 9464:9464 scorestream
# linux/amd64 only: @nxtedition/rocksdb ships a prebuilt binary for linux-x64 (glibc) alone;
# another platform would compile RocksDB from source in the prod-deps stage.

# Debian (glibc), not Alpine: the prebuilt RocksDB binary needs glibc >= 2.34 and libstdc++ from
# GCC 12 (GLIBCXX_3.4.30), which bookworm has; onnxruntime-node ships no musl build either. Node 24
# (LTS) because @kafkajs/confluent-schema-registry 4 requires Node >= 22. Pin a digest
# (node:24.21.0-bookworm-slim@sha256:...) where builds must be reproducible.
ARG NODE_IMAGE=node:24.21.0-bookworm-slim

# ---- build: all dependencies, then `npm run build` (tsc) into dist/.
FROM ${NODE_IMAGE} AS build
WORKDIR /src
# onnxruntime-node's install script would download CUDA binaries from outside the npm registry;
# the CPU ones ship in the package. .npmrc says the same; the variable also holds for an npm that
# stops reading unknown keys from .npmrc.
ENV npm_config_onnxruntime_node_install=skip
COPY package.json package-lock.json .npmrc ./
COPY patches/ patches/
COPY tsconfig.json tsconfig.build.json ./
COPY src/ src/
# npm ci runs postinstall (patch-package applies patches/) and prepare (`npm run build`), so this
# is the same install and build as on a developer's machine.
RUN npm ci && test -f dist/cli/main.js

# ---- prod-deps: production dependencies only, patched.
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /src
ENV npm_config_onnxruntime_node_install=skip
COPY package.json package-lock.json .npmrc ./
COPY patches/ patches/
# --ignore-scripts: the root's `prepare` would run tsc, which --omit=dev leaves out. `npm rebuild`
# then runs the dependencies' own install scripts (and only theirs): RocksDB's node-gyp-build finds
# its prebuilt binary, onnxruntime-node's skips the CUDA download. patch-package is a production
# dependency and applies patches/ as `postinstall` would (it fails if a patch does not apply).
# The binaries for macOS and Windows, and RocksDB's C++ sources, can never be loaded here: removed
# (about 260 MB of the 380 MB).
RUN npm ci --omit=dev --ignore-scripts \
 && npm rebuild \
 && npx --no-install patch-package \
 && rm -rf node_modules/onnxruntime-node/bin/napi-v*/darwin node_modules/onnxruntime-node/bin/napi-v*/win32 \
    node_modules/@nxtedition/rocksdb/prebuilds/darwin-* node_modules/@nxtedition/rocksdb/prebuilds.zip \
    node_modules/@nxtedition/rocksdb/deps \
 && node -e "require('onnxruntime-node'); require('@nxtedition/rocksdb')"

# ---- runtime: node, the production dependencies, dist/, the Avro schemas and the shipped models.
FROM ${NODE_IMAGE} AS runtime
WORKDIR /opt/scorestream
# The models at a fixed path; mount another models directory over it, or set
# SCORESTREAM_MODELS_DIR to one elsewhere. RocksDB under /var/lib/scorestream, the only path
# `scorestream run` writes to (but for an empty log file ONNX Runtime creates in /tmp, and skips
# where it cannot), so the root file system can be read-only. Relative defaults
# (.scorestream/state, models) would resolve against the working directory, inside the image.
ENV NODE_ENV=production \
    SCORESTREAM_MODELS_DIR=/opt/scorestream/models \
    SCORESTREAM_STATE_DIR=/var/lib/scorestream/state
COPY --from=prod-deps /src/node_modules/ node_modules/
COPY --from=build /src/dist/ dist/
# package.json: "type": "commonjs" for dist/. schemas/*.avsc are read at run time from beside
# dist/ (src/schemas/files.ts). models/ is every file of each version: the registry checks each
# file against its manifest and serves nothing it cannot verify.
COPY package.json ./
COPY schemas/ schemas/
COPY models/ models/
# A numeric user, so that Kubernetes' runAsNonRoot can verify it without /etc/passwd. The state
# directory belongs to it, so that a named volume Docker creates from the image is writable too
# (Kubernetes sets the ownership of a volume with fsGroup instead).
RUN mkdir -p /var/lib/scorestream/state && chown -R 10001:10001 /var/lib/scorestream
USER 10001:10001
VOLUME ["/var/lib/scorestream"]
# /metrics, /healthz, /readyz (http.port).
EXPOSE 9464
# For Docker and Compose (Kubernetes ignores it and uses the probes in deploy/k8s). Node itself
# asks, as slim images have no curl or wget. /healthz, not /readyz: an instance with no
# partitions, or one restoring its state, is alive and must not be restarted for that.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=4 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.SCORESTREAM_HTTP_PORT || 9464) + '/healthz', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Node is PID 1: `run` handles SIGTERM itself (finishes the batch in flight, leaves the group, exits
# within shutdown.timeoutMs) and starts no child processes, so no init is needed to forward signals
# or reap zombies. Exec form, so the signal reaches node and not a shell.
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "/opt/scorestream/dist/cli/main.js"]
CMD ["run"]
