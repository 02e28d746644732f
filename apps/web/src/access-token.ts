/**
 * What the page reads from its own access token: only whether the account is an
 * administrator (claim `adm: true`, libs/access-tokens), to show or hide the link to the
 * statistics. The signature is not checked here, and need not be: the server checks it
 * on every call, so a forged claim shows a link to a page that is refused.
 */
export function isAdminToken(token: string | null): boolean {
  const payload = token?.split('.')[1];
  if (payload === undefined) return false;
  try {
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const claims: unknown = JSON.parse(json);
    return typeof claims === 'object' && claims !== null && 'adm' in claims && claims.adm === true;
  } catch (error) {
    // Not base64url JSON: not a token this app knows, so no administrator either.
    if (error instanceof SyntaxError || error instanceof DOMException) return false;
    throw error;
  }
}
