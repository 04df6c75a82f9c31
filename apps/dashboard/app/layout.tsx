import type { ReactNode } from 'react';
import './globals.css';

export const metadata = { title: { default: 'darkroom', template: '%s · darkroom' }, description: 'Stable Diffusion jobs for your programs' };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
