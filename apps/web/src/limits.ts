import type { CHAT_LIMITS as ServerLimits } from '@scale-chat/contracts';

/**
 * API.md's limits, as the server enforces them. The contracts are imported type-only (the
 * bundle takes nothing from the server's code); the literal types make this copy fail the
 * typecheck as soon as it disagrees with the server's.
 */
export const CHAT_LIMITS: Pick<typeof ServerLimits, 'bodyMax' | 'roomNameMax' | 'pageMax'> = {
  bodyMax: 4_000,
  roomNameMax: 100,
  pageMax: 200,
};
