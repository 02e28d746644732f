import { isUuid } from '@scale-chat/contracts';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { User } from './user.entity';

@Injectable()
export class UsersService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  findById(id: string): Promise<User | null> {
    // A string that is not a UUID names no user: not found, not a database error.
    if (!isUuid(id)) return Promise.resolve(null);
    return this.dataSource.getRepository(User).findOneBy({ id });
  }

  findByUsername(username: string): Promise<User | null> {
    return this.dataSource.getRepository(User).findOneBy({ username: username.toLowerCase() });
  }

  /** Active users whose username starts with `prefix` (case-insensitive), by username. */
  search(prefix: string, limit: number): Promise<User[]> {
    const escaped = prefix.toLowerCase().replace(/[\\%_]/g, (character) => `\\${character}`);
    return this.dataSource
      .getRepository(User)
      .createQueryBuilder('user')
      .where('user.status = :status', { status: 'active' })
      .andWhere(`user.username LIKE :pattern ESCAPE '\\'`, { pattern: `${escaped}%` })
      .orderBy('user.username')
      .limit(limit)
      .getMany();
  }
}
