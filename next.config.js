/** @type {import('next').NextConfig} */
const nextConfig = {
  // A self-contained server (.next/standalone/server.js with only the node_modules it needs), which
  // the Dockerfile and scripts/assemble-image.sh ship; `next start` works as before.
  output: 'standalone',
  // etcd3 loads its .proto files at run time: bundling it breaks the build.
  // @kubernetes/client-node is an ES module with optional native-ish deps: load it at run time too.
  serverExternalPackages: ['etcd3', '@grpc/grpc-js', '@kubernetes/client-node', 'pg'],
  // The tracer cannot see etcd3's proto files (read through a path built at run time), so they are
  // named here. Excluded: our sources (every path the server builds from the config makes the tracer
  // take whole lib folders, tests and test data included; the server runs from .next/server; the
  // instrumentation trace ignores this list, which is why scripts/assemble-image.sh takes the
  // standalone tree by name), and sharp (images are unoptimized, so Next never loads it; 20 MB).
  outputFileTracingIncludes: { '**': ['node_modules/etcd3/proto/*.proto'] },
  outputFileTracingExcludes: { '**': ['app/**', 'components/**', 'lib/**', 'e2e/**', 'node_modules/sharp/**', 'node_modules/@img/**'] },
  // Every page and route is dynamic, so the incremental cache only ever holds what a future
  // `fetch(..., { cache })` might put there; keep it in memory so the server never writes under
  // .next (the image's root filesystem is read-only; only dataDir is writable).
  experimental: { isrFlushToDisk: false },
  poweredByHeader: false,
  // The dashboard has no remote images or fonts; keep it working offline.
  images: { unoptimized: true },
};

module.exports = nextConfig;
