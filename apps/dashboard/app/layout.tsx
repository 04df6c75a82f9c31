import type { ReactNode } from 'react';

export const metadata = { title: 'darkroom', description: 'Stable Diffusion jobs for your programs' };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body style={{ fontFamily: 'system-ui, sans-serif', margin: 0, background: '#111', color: '#eee' }}>{children}</body>
    </html>
  );
}
