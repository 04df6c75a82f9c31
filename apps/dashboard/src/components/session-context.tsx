'use client';
import { createContext, useContext } from 'react';
import type { MeResponse } from '../lib/api-types';

export interface SessionValue {
  me: MeResponse;
  /** Asks /me again (after a change of balance, ...). */
  refresh: () => void;
}

export const SessionContext = createContext<SessionValue | null>(null);

/** The signed-in user and tenant; only inside the signed-in area. */
export function useSession(): SessionValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside the signed-in area');
  return value;
}
