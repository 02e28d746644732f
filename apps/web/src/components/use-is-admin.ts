import { useEffect, useState } from 'react';
import { isAdminToken } from '../access-token';
import type { ApiClient } from '../api';

/**
 * Whether this user may see the statistics: the access token says so (`adm: true`), and
 * a renewed token may say otherwise, so it is read again on every renewal. No request is
 * made for it.
 */
export function useIsAdmin(api: ApiClient): boolean {
  const [admin, setAdmin] = useState(() => isAdminToken(api.accessToken));
  useEffect(() => api.onSessionChange(() => setAdmin(isAdminToken(api.accessToken))), [api]);
  return admin;
}
