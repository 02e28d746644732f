import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** A user as chat knows it: made by the signup saga, removed by its compensation. */
@Entity({ name: 'profiles' })
export class ChatProfile {
  @PrimaryColumn({ type: 'uuid', name: 'user_id', primaryKeyConstraintName: 'PK_profiles' })
  userId!: string;

  @Column({ type: 'text' })
  username!: string;

  @Column({ type: 'text', name: 'display_name' })
  displayName!: string;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;
}
