/** @type {import('next').NextConfig} */
module.exports = {
  reactStrictMode: true,
  poweredByHeader: false,
  images: { unoptimized: true },
  env: { DARKROOM_API_URL: process.env.PUBLIC_BASE_URL ?? 'http://127.0.0.1:8080' },
};
