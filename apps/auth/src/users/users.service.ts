import { isUuid } from '@scale-chat/contracts';
import { Injectable } from '@nestjs/common';
import type { User } from './user.entity';
import { UsersRepository } from './users.repository';

@Injectable()
export class UsersService {
  constructor(private readonly users: UsersRepository) {}

  findById(id: string): Promise<User | null> {
    // A string that is not a UUID names no user: not found, not a database error.
    if (!isUuid(id)) return Promise.resolve(null);
    return this.users.findById(id);
  }

  /** Active users matching `query` (UsersRepository.search), by username. */
  search(query: string, limit: number): Promise<User[]> {
    return this.users.search(query, limit);
  }
}
