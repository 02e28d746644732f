import { useEffect, useState } from 'react';
import type { ApiClient } from '../api';

/**
 * Whether this user may see the statistics. API v1 does not say who is an administrator
 * (it is a server setting, ADMIN_USERNAMES), so the summary is asked for once: the link
 * shows only when it answers.
 */
export function useIsAdmin(api: ApiClient): boolean {
  const [admin, setAdmin] = useState(false);
  useEffect(() => {
    let current = true;
    api.get('/api/stats/summary').then(
      () => {
        if (current) setAdmin(true);
      },
      // 403 (not an administrator) or no answer: the link stays hidden.
      () => undefined,
    );
    return () => {
      current = false;
    };
  }, [api]);
  return admin;
}
