import { Controller, Get, NotFoundException, Param, Query, UseGuards } from '@nestjs/common';
import type { VerifiedAccessToken } from '@scale-chat/access-tokens';
import { AccessTokenGuard, CurrentUser } from '@scale-chat/platform';
import { viewOf, type UserView } from './user.entity';
import { SearchUsersQuery } from './users.dto';
import { UsersService } from './users.service';

@Controller('api/users')
@UseGuards(AccessTokenGuard)
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get('me')
  async me(@CurrentUser() caller: VerifiedAccessToken): Promise<UserView> {
    return this.found(caller.userId);
  }

  @Get()
  async search(
    @Query() { query = '', limit = 20 }: SearchUsersQuery,
  ): Promise<{ items: UserView[] }> {
    return { items: (await this.users.search(query, limit)).map(viewOf) };
  }

  @Get(':id')
  async byId(@Param('id') id: string): Promise<UserView> {
    return this.found(id);
  }

  private async found(id: string): Promise<UserView> {
    const user = await this.users.findById(id);
    if (user === null) throw new NotFoundException('User not found');
    return viewOf(user);
  }
}
