/** @type {import('next').NextConfig} */
const nextConfig = {
  // etcd3 loads its .proto files at run time: bundling it breaks the build.
  // @kubernetes/client-node is an ES module with optional native-ish deps: load it at run time too.
  serverExternalPackages: ['etcd3', '@grpc/grpc-js', '@kubernetes/client-node'],
  poweredByHeader: false,
  // The dashboard has no remote images or fonts; keep it working offline.
  images: { unoptimized: true },
};

module.exports = nextConfig;
