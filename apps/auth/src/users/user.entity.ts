import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import type { UserView } from '@scale-chat/contracts';
import { Check, Column, CreateDateColumn, Entity, Index, PrimaryColumn, Unique } from 'typeorm';

export type UserStatus = 'pending' | 'active' | 'deleting';
/** `admin` reads the stats and saga history (docs/security.md, "Administrators"). */
export type UserRole = 'member' | 'admin';

@Entity({ name: 'users' })
@Unique('UQ_users_username', ['username'])
@Check('CHK_users_status', `"status" IN ('pending', 'active', 'deleting')`)
@Check('CHK_users_role', `"role" IN ('member', 'admin')`)
@Index('IDX_users_pending_since', ['createdAt'], { where: `"status" = 'pending'` })
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

  @Column({ type: 'text', default: 'member' })
  role!: UserRole;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;
}

/** A user as API.md shows it (for OpenAPI): never the password hash. */
@ApiSchema({ name: 'UserView' })
export class UserDto implements UserView {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'ann', description: 'lower-case; 3-32 of a-z 0-9 _ . -' })
  username!: string;

  @ApiProperty({ example: 'Ann' })
  displayName!: string;

  @ApiProperty({ enum: ['pending', 'active'] })
  status!: UserView['status'];

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
}

@ApiSchema({ name: 'UserList' })
export class UserListDto {
  @ApiProperty({ type: [UserDto] })
  items!: UserView[];
}

/**
 * The user as API.md shows it, or undefined for one being deleted: API.md's users are
 * active or pending, and one on its way out is already gone (404, login 401).
 */
export function viewOf(user: User): UserView | undefined {
  if (user.status === 'deleting') return undefined;
  return {
    id: user.id,
    username: user.username,
    displayName: user.displayName,
    status: user.status,
    createdAt: user.createdAt.toISOString(),
  };
}
