import { isUuid, type SagaReply, type SagaStartRequest } from '@scale-chat/contracts';

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function parseStartRequest(data: unknown): SagaStartRequest {
  if (!isRecord(data)) throw new Error('not an object');
  const { sagaId, sagaType, payload } = data;
  if (!isUuid(sagaId)) throw new Error('sagaId is not a UUID');
  if (typeof sagaType !== 'string') throw new Error('sagaType is missing');
  if (!isRecord(payload)) throw new Error('payload is not an object');
  return { sagaId, sagaType, payload };
}

export function parseReply(data: unknown): SagaReply {
  if (!isRecord(data)) throw new Error('not an object');
  const { sagaId, commandId, outcome, reason, data: facts } = data;
  if (!isUuid(sagaId)) throw new Error('sagaId is not a UUID');
  if (typeof commandId !== 'string' || commandId.length > 200)
    throw new Error('commandId is missing');
  if (outcome !== 'succeeded' && outcome !== 'failed')
    throw new Error('outcome is not succeeded or failed');
  if (reason !== undefined && typeof reason !== 'string') throw new Error('reason is not a string');
  if (facts !== undefined && !isRecord(facts)) throw new Error('data is not an object');
  return {
    sagaId,
    commandId,
    outcome,
    ...(reason === undefined ? {} : { reason }),
    ...(facts === undefined ? {} : { data: facts }),
  };
}
