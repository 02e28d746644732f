import { IsIn, IsString, MaxLength } from 'class-validator';
import type { LoginRevoked, UserDeleted, UserRegistered } from '../auth-events';
import { IsInstant, IsId } from './event-schema';

const REVOCATION_REASONS: readonly LoginRevoked['reason'][] = [
  'logout',
  'reuse',
  'account-deleted',
];

export class LoginRevokedSchema implements LoginRevoked {
  @IsId() readonly userId!: string;
  @IsId() readonly familyId!: string;
  @IsIn(REVOCATION_REASONS) readonly reason!: LoginRevoked['reason'];
}

export class UserRegisteredSchema implements UserRegistered {
  @IsId() readonly userId!: string;
  @IsString() @MaxLength(100) readonly username!: string;
  @IsString() @MaxLength(200) readonly displayName!: string;
  @IsInstant() readonly registeredAt!: string;
}

export class UserDeletedSchema implements UserDeleted {
  @IsId() readonly userId!: string;
}
