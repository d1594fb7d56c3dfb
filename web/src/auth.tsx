import {
  createContext,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useState,
} from 'react';
import { ApiError, api, type Me, onUnauthorized } from './api.ts';

interface AuthState {
  /** undefined while the first /me is loading; null when signed out. */
  me: Me | null | undefined;
  refresh: () => Promise<Me | null>;
  setMe: (me: Me | null) => void;
  signOut: (everywhere?: boolean) => Promise<void>;
}

const AuthContext = createContext<AuthState | undefined>(undefined);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<Me | null | undefined>(undefined);

  const refresh = useCallback(async () => {
    try {
      const next = await api.me();
      setMe(next);
      return next;
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        setMe(null);
        return null;
      }
      throw err;
    }
  }, []);

  useEffect(() => {
    refresh().catch(() => setMe(null));
    return onUnauthorized(() => setMe(null));
  }, [refresh]);

  const signOut = useCallback(async (everywhere = false) => {
    try {
      await (everywhere ? api.logoutAll() : api.logout());
    } finally {
      setMe(null);
    }
  }, []);

  const value = useMemo(() => ({ me, refresh, setMe, signOut }), [me, refresh, signOut]);
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  const ctx = useContext(AuthContext);
  if (!ctx) throw new Error('useAuth outside AuthProvider');
  return ctx;
}

/** The signed-in user (only inside routes that require one). */
export function useMe(): Me {
  const { me } = useAuth();
  if (!me) throw new Error('useMe needs a signed-in user');
  return me;
}
