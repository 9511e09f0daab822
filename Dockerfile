# syntax=docker/dockerfile:1
# Ringside's image: Next's standalone server on Node 20, run as an unprivileged user, with etcd's
# own tools for restore drills. What the runtime stage adds to its base is exactly what
# scripts/assemble-image.sh lays out (one COPY of its output), which is what the tests run
# (e2e/integration/image.test.ts; images cannot be built on the test machines).
#
#   docker build -t ringside:0.1.0 .
#   docker run --read-only -p 3000:3000 -v ringside-data:/var/lib/ringside \
#     -v /etc/ringside:/etc/ringside/config:ro ringside:0.1.0
#
# etcd's tools come from etcd's official image at one pinned version: drills restore a backup with
# the tools of its minor version (3.5+: etcdutl; 3.4: etcdctl), so pick the version your rings run,
# e.g. --build-arg ETCD_IMAGE=gcr.io/etcd-development/etcd:v3.6.5. Pin a digest (@sha256:...) in
# your own builds.
ARG NODE_IMAGE=node:20.20.2-bookworm-slim
ARG ETCD_IMAGE=gcr.io/etcd-development/etcd:v3.5.21

FROM ${ETCD_IMAGE} AS etcd

FROM ${NODE_IMAGE} AS build
WORKDIR /src
ENV NEXT_TELEMETRY_DISABLED=1
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npx next build
COPY --from=etcd /usr/local/bin/etcd /usr/local/bin/etcdctl /usr/local/bin/etcdutl /tmp/etcd-tools/
RUN bash scripts/assemble-image.sh --etcd-from /tmp/etcd-tools /rootfs

FROM ${NODE_IMAGE}
# The only COPY: the assembled tree (/app, /usr/local/bin/etcd*, /var/lib/ringside), root-owned
# and read-only. The tests check that this stage copies nothing else.
COPY --from=build /rootfs/ /
# dataDir is the one writable place (Kubernetes mounts a volume there and sets fsGroup).
RUN chown 10001:10001 /var/lib/ringside && chmod 0700 /var/lib/ringside
ENV NODE_ENV=production \
    NEXT_TELEMETRY_DISABLED=1 \
    PORT=3000 \
    HOSTNAME=0.0.0.0 \
    RINGSIDE_CONFIG=/etc/ringside/config/ringside.yaml
WORKDIR /app
USER 10001:10001
VOLUME ["/var/lib/ringside"]
EXPOSE 3000
# Liveness: the process answers. Kubernetes uses /api/healthz and /api/readyz (deploy/kubernetes).
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/api/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "server.js"]
