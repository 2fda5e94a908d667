# The collector's image: the worker (default) and every other audit-collect command; the
# docker-compose demo also runs the simulator from it.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
# glibc malloc: two arenas instead of one per thread (zstd and the Temporal core run on several),
# and a fixed mmap threshold so freed page-sized buffers go back to the OS instead of fragmenting
# the heap: ~30-40 MB less resident memory for ~10-20 % more CPU (docs/benchmarks.md).
ENV MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=131072
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
# Sources only; .dockerignore leaves out tests, docs and local state.
COPY . .
USER node
# Metrics for Prometheus at :9464/metrics (AUDIT_COLLECT_METRICS_ADDRESS).
ENV AUDIT_COLLECT_METRICS_ADDRESS=0.0.0.0:9464
EXPOSE 9464
ENTRYPOINT ["node", "bin/audit-collect"]
CMD ["worker"]
