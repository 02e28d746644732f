import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A gateway instance alive as of `seenAt` (its heartbeat). */
@Entity({ name: 'gateway_instances' })
export class GatewayInstance {
  @PrimaryColumn({
    type: 'text',
    name: 'instance_id',
    primaryKeyConstraintName: 'PK_gateway_instances',
  })
  instanceId!: string;

  @Column({ type: 'timestamptz', name: 'seen_at', default: () => 'now()' })
  seenAt!: Date;
}

/** A connected socket of a user, on the instance that holds it. */
@Entity({ name: 'presence_sockets' })
@Index('IDX_presence_sockets_user', ['userId'])
@Index('IDX_presence_sockets_instance', ['instanceId'])
export class PresenceSocket {
  @PrimaryColumn({
    type: 'text',
    name: 'socket_id',
    primaryKeyConstraintName: 'PK_presence_sockets',
  })
  socketId!: string;

  @Column({ type: 'uuid', name: 'user_id' })
  userId!: string;

  @Column({ type: 'text', name: 'instance_id' })
  instanceId!: string;

  @Column({ type: 'timestamptz', name: 'connected_at', default: () => 'now()' })
  connectedAt!: Date;
}

export const PRESENCE_ENTITIES = [GatewayInstance, PresenceSocket];
