import type { ReactNode } from 'react';
import { AppShell } from '../../src/components/app-shell';

export default function SignedInLayout({ children }: { children: ReactNode }) {
  return <AppShell>{children}</AppShell>;
}
