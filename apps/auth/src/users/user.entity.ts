import { ApiProperty } from '@nestjs/swagger';
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
export class UserView {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'ann', description: 'lower-case; 3-32 of a-z 0-9 _ . -' })
  username!: string;

  @ApiProperty({ example: 'Ann' })
  displayName!: string;

  @ApiProperty({ enum: ['pending', 'active'] })
  status!: UserStatus;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
}

export class UserList {
  @ApiProperty({ type: [UserView] })
  items!: UserView[];
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
