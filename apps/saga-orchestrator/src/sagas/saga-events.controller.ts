import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import {
  SAGA_EVENT_TYPES,
  SAGA_REPLIES_TOPIC,
  SAGA_REQUESTS_TOPIC,
  type SagaReply,
  type SagaStartRequest,
} from '@scale-chat/contracts';
import { EVENT_SCHEMAS } from '@scale-chat/contracts/events';
import { consumerGroup, OnEvent, type KafkaEventContext } from '@scale-chat/platform';
import { ORCHESTRATOR_GROUP, SagaOrchestrator } from './saga-orchestrator.service';

/** One group for every instance: each request and reply is applied by one of them. */
const ORCHESTRATOR = consumerGroup({
  name: ORCHESTRATOR_GROUP,
  topics: [SAGA_REQUESTS_TOPIC, SAGA_REPLIES_TOPIC],
});

/** The sagas' requests and the participants' replies, each in the saga's transaction. */
@Controller()
export class SagaEventsController {
  constructor(private readonly orchestrator: SagaOrchestrator) {}

  @OnEvent(ORCHESTRATOR, SAGA_EVENT_TYPES.start, EVENT_SCHEMAS[SAGA_EVENT_TYPES.start])
  start(@Payload() request: SagaStartRequest, @Ctx() context: KafkaEventContext): Promise<void> {
    return this.orchestrator.start(request, context.manager, context.event.afterCommit);
  }

  @OnEvent(ORCHESTRATOR, SAGA_EVENT_TYPES.reply, EVENT_SCHEMAS[SAGA_EVENT_TYPES.reply])
  reply(@Payload() reply: SagaReply, @Ctx() context: KafkaEventContext): Promise<void> {
    return this.orchestrator.reply(reply, context.manager, context.event.afterCommit);
  }
}
