import { Check, Column, CreateDateColumn, Entity, PrimaryColumn, Unique } from 'typeorm';

export type UserStatus = 'pending' | 'active' | 'deleting';

@Entity({ name: 'users' })
@Unique('UQ_users_username', ['username'])
@Check('CHK_users_status', `"status" IN ('pending', 'active', 'deleting')`)
export class User {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'PK_users' })
  id!: string;

  /** Lower-case; compared case-insensitively by storing it so. */
  @Column({ type: 'text' })
  username!: string;

  @Column({ type: 'text', name: 'display_name' })
  displayName!: string;

  @Column({ type: 'text', name: 'password_hash' })
  passwordHash!: string;

  @Column({ type: 'text' })
  status!: UserStatus;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;
}

/** A user as API.md shows it: never the password hash. */
export interface UserView {
  id: string;
  username: string;
  displayName: string;
  status: UserStatus;
  createdAt: string;
}

export function viewOf(user: User): UserView {
  return {
    id: user.id,
    username: user.username,
    displayName: user.displayName,
    status: user.status,
    createdAt: user.createdAt.toISOString(),
  };
}
