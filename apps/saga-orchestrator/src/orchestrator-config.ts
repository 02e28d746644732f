import {
  ACCESS_TOKEN_VERIFIER_ENV,
  ADMIN_ENV,
  integer,
  readServiceConfig,
  type Environment,
} from '@scale-chat/platform';

const ORCHESTRATOR_ENV = {
  /** How long a participant has to answer a saga command before the step counts as failed. */
  SAGA_STEP_TIMEOUT_MS: integer({ min: 100, max: 600_000 }, { default: 10_000 }),
  // GET /api/sagas/:id is for administrators.
  ...ACCESS_TOKEN_VERIFIER_ENV,
  ...ADMIN_ENV,
};

export type OrchestratorConfig = ReturnType<typeof readOrchestratorConfig>;

export function readOrchestratorConfig(env: Environment) {
  return readServiceConfig('saga-orchestrator', env, ORCHESTRATOR_ENV);
}
