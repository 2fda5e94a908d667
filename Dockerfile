# The collector's image: the worker (default) and every other audit-collect command. Built in one
# stage (all dependencies, `npm run build`: JavaScript and the prebuilt workflow bundle in dist/),
# run from another with only the production dependencies: no TypeScript, no tsx.

FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
# .dockerignore leaves out tests, docs, local state, any local dist/ and .git: the commit the build
# records (audit-collect --version, the audit_collect_build_info metric) comes from this argument:
#   docker build --build-arg REVISION=$(git rev-parse HEAD) .
COPY . .
ARG REVISION=unknown
RUN AUDIT_COLLECT_BUILD_COMMIT=$REVISION npm run build

# The docker-compose demo's Atlassian simulator, a developer tool run with tsx from the sources
# (docker-compose.yml builds this stage with `target: simulator`).
FROM build AS simulator
USER node
ENTRYPOINT ["node", "node_modules/tsx/dist/cli.mjs", "dev/simulator/cli.ts"]

# The collector (the last stage, what `docker build .` makes).
FROM node:22-bookworm-slim AS runtime
# VERSION is package.json's version (test/unit/build-info.test.ts keeps them equal).
ARG VERSION=0.2.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="audit-collect" \
      org.opencontainers.image.version=$VERSION \
      org.opencontainers.image.revision=$REVISION
WORKDIR /app
ENV NODE_ENV=production
# glibc malloc: two arenas instead of one per thread (zstd and the Temporal core run on several),
# and a fixed mmap threshold so freed page-sized buffers go back to the OS instead of fragmenting
# the heap: ~30-40 MB less resident memory for ~10-20 % more CPU (docs/benchmarks.md).
ENV MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=131072
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY --from=build /app/dist dist/
COPY bin bin/
# The rule the docker-compose demo applies.
COPY deploy/demo deploy/demo/
USER node
# Metrics for Prometheus at :9464/metrics (AUDIT_COLLECT_METRICS_ADDRESS).
ENV AUDIT_COLLECT_METRICS_ADDRESS=0.0.0.0:9464
EXPOSE 9464
ENTRYPOINT ["node", "bin/audit-collect"]
CMD ["worker"]
