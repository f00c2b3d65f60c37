# syntax=docker/dockerfile:1
#
# sip-xmpp-gateway: an XEP-0114 component that drives drachtio-server and rtpengine.
#
#   docker build -t sip-xmpp-gateway .
#   docker run -v ./gateway.yaml:/etc/sip-xmpp-gateway/gateway.yaml:ro sip-xmpp-gateway
#
# The configuration file is mounted at /etc/sip-xmpp-gateway/gateway.yaml; GATEWAY_* environment
# variables override it (docs/configuration.md). See docs/deployment.md and docker/docker-compose.yml.

ARG NODE_IMAGE=node:20-bookworm-slim

# ---------------------------------------------------------------------------------------------------
# Build: install everything, compile TypeScript to dist/, then drop the development dependencies.
FROM ${NODE_IMAGE} AS build
WORKDIR /app

# patches/: small fixes to dependencies applied by `patch-package` in npm's postinstall (patches/README.md).
COPY package.json package-lock.json ./
COPY patches ./patches
RUN npm ci --no-audit --no-fund

COPY . .
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund \
 && mkdir -p config

# ---------------------------------------------------------------------------------------------------
# Runtime: only what `node dist/src/main.js` needs. Files stay owned by root (read-only for the
# process); the process runs as the unprivileged `node` user of the base image.
FROM ${NODE_IMAGE} AS runtime

ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="sip-xmpp-gateway" \
      org.opencontainers.image.description="SIP <-> XMPP gateway: an XEP-0114 component driving drachtio-server and rtpengine" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="AGPL-3.0-or-later" \
      org.opencontainers.image.base.name="docker.io/library/node:20-bookworm-slim"

ENV NODE_ENV=production
WORKDIR /app

COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/config ./config
# presence.database defaults to data/presence.sqlite: mount a volume here to keep presence
# subscriptions across container re-creation (docs/deployment.md).
RUN mkdir -p /app/data && chown node:node /app/data
VOLUME /app/data

USER node

# The health endpoint (health.port); 0 in the defaults, 8080 in docker/demo/gateway.yaml.
EXPOSE 8080

# GET /health answers 200 only while the XMPP, drachtio and rtpengine links are all up. The probe
# goes to 127.0.0.1 on GATEWAY_HEALTH_PORT (8080 if unset), so health.host must be 127.0.0.1 or
# 0.0.0.0 and health.port must match: set GATEWAY_HEALTH_PORT if you use another port. There is no
# curl in slim images; Node 20's fetch does the request.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.GATEWAY_HEALTH_PORT || 8080) + '/health', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.status === 200 ? 0 : 1), () => process.exit(1))"]

# main.ts handles SIGTERM itself (drains SIP requests for up to shutdownTimeout, then closes).
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "dist/src/main.js"]
CMD ["--config", "/etc/sip-xmpp-gateway/gateway.yaml"]
