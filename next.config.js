/** @type {import('next').NextConfig} */
const nextConfig = {
  // etcd3 loads its .proto files at run time: bundling it breaks the build.
  serverExternalPackages: ['etcd3', '@grpc/grpc-js'],
  poweredByHeader: false,
  // The dashboard has no remote images or fonts; keep it working offline.
  images: { unoptimized: true },
};

module.exports = nextConfig;
