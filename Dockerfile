# The collector's image: the worker (default) and every other audit-collect command; the
# docker-compose demo also runs the simulator from it.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
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
