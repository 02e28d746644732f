export * from './event-consumer';
export * from './messaging.entities';
export * from './messaging.migration';
export * from './outbox';
export * from './outbox-relay';
export * from './outbox-relay.service';
export * from './saga-participant';
export * from './saga-participant.module';
