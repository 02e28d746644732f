import type { DataSource } from 'typeorm';
import { User, type UserRole } from './user.entity';

export interface RoleChange {
  readonly userId: string;
  readonly username: string;
  readonly role: UserRole;
}

/**
 * Gives `role` to the active account named `username`, bound to its id: the role goes with
 * the account when it is deleted. Undefined when no active account has the name.
 */
export async function setUserRole(
  dataSource: DataSource,
  username: string,
  role: UserRole,
): Promise<RoleChange | undefined> {
  const result = await dataSource
    .createQueryBuilder()
    .update(User)
    .set({ role })
    .where({ username: username.toLowerCase(), status: 'active' })
    .returning(['id', 'username', 'role'])
    .execute();
  const [changed] = result.raw as { id: string; username: string; role: UserRole }[];
  return changed === undefined
    ? undefined
    : { userId: changed.id, username: changed.username, role: changed.role };
}
