import {
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  NotFoundException,
  Param,
  Query,
  UseGuards,
} from '@nestjs/common';
import { AccountDeletionService } from './account-deletion.service';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { VerifiedAccessToken } from '@scale-chat/access-tokens';
import { AccessTokenGuard, CurrentUser, ParseIdPipe } from '@scale-chat/platform';
import type { UserView } from '@scale-chat/contracts';
import { UserSearchBudgetGuard } from './user-search-budget.guard';
import { UserDto, UserListDto, viewOf } from './user.entity';
import { SearchUsersQuery } from './users.dto';
import { UsersService } from './users.service';

const USER_NOT_FOUND = 'User not found';

@ApiTags('users')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'missing, expired or forged access token' })
@Controller('api/users')
@UseGuards(AccessTokenGuard)
export class UsersController {
  constructor(
    private readonly users: UsersService,
    private readonly deletions: AccountDeletionService,
  ) {}

  @Get('me')
  @ApiOkResponse({ type: UserDto })
  async me(@CurrentUser() caller: VerifiedAccessToken): Promise<UserView> {
    return this.found(caller.userId);
  }

  @Delete('me')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiAcceptedResponse({
    description: 'the account-deletion saga started: rooms, tokens, then the account go',
  })
  async deleteMe(@CurrentUser() caller: VerifiedAccessToken): Promise<void> {
    await this.deletions.requestDeletion(caller.userId);
  }

  @Get()
  @UseGuards(UserSearchBudgetGuard)
  @ApiTooManyRequestsResponse({ description: "over the caller's search budget; see Retry-After" })
  @ApiOkResponse({
    type: UserListDto,
    description: 'active users whose username starts with the query',
  })
  async search(
    @Query() { query = '', limit = 20 }: SearchUsersQuery,
  ): Promise<{ items: UserView[] }> {
    return { items: (await this.users.search(query, limit)).flatMap((user) => viewOf(user) ?? []) };
  }

  @Get(':id')
  @ApiOkResponse({ type: UserDto })
  @ApiNotFoundResponse()
  async byId(@Param('id', new ParseIdPipe(USER_NOT_FOUND)) id: string): Promise<UserView> {
    return this.found(id);
  }

  /** An account being deleted is already gone here: API.md knows active and pending only. */
  private async found(id: string): Promise<UserView> {
    const user = await this.users.findById(id);
    const view = user === null ? undefined : viewOf(user);
    if (view === undefined) throw new NotFoundException(USER_NOT_FOUND);
    return view;
  }
}
