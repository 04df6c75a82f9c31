/** @type {import('next').NextConfig} */
module.exports = {
  reactStrictMode: true,
  poweredByHeader: false,
  images: { unoptimized: true },
  // The browser tests build into their own folder so that they never touch the build `npm start` serves.
  distDir: process.env.DASHBOARD_DIST_DIR || '.next',
  // The dashboard API's contract (types only) is read from apps/api until it moves to libs/contracts.
  outputFileTracingRoot: require('node:path').join(__dirname, '../..'),
  async headers() {
    return [
      {
        source: '/:path*',
        headers: [
          // Nobody may frame the dashboard (clickjacking of the grant and revoke buttons).
          { key: 'X-Frame-Options', value: 'DENY' },
          { key: 'Content-Security-Policy', value: "frame-ancestors 'none'" },
          { key: 'X-Content-Type-Options', value: 'nosniff' },
          { key: 'Referrer-Policy', value: 'same-origin' },
        ],
      },
    ];
  },
};
