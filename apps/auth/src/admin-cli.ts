import { dataSourceOptions, readConfigOrExit } from '@scale-chat/platform';
import { DataSource } from 'typeorm';
import { readAuthConfig } from './auth-config';
import { User } from './users/user.entity';
import { UsersRepository } from './users/users.repository';

const USAGE = 'usage: admin grant|revoke <username>';

/**
 * Grants or revokes the `admin` role of an account, with auth's own configuration
 * (`DATABASE_URL`; its schema is auth's, as always): `node tools/run.js auth-admin grant ann` locally,
 * `node dist/main.js admin grant ann` in auth's image. The account's next access token
 * carries it (or stops carrying it), so a change reaches the stats within
 * ACCESS_TOKEN_TTL_SECONDS.
 */
export async function adminCommand(argv: readonly string[]): Promise<number> {
  const [action, username] = argv;
  if ((action !== 'grant' && action !== 'revoke') || username === undefined) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const config = readConfigOrExit(() => readAuthConfig(process.env));
  const dataSource = await new DataSource(
    dataSourceOptions(config, { entities: [User] }),
  ).initialize();
  try {
    const changed = await new UsersRepository(dataSource.manager).setRole(
      username,
      action === 'grant' ? 'admin' : 'member',
    );
    if (changed === undefined) {
      process.stderr.write(`no active account is named ${JSON.stringify(username)}\n`);
      return 1;
    }
    // The sign-up time: a listed name that someone else took before the operator's own
    // sign-up shows here as an account older than expected.
    process.stdout.write(
      `${changed.username} (${changed.userId}, signed up ${changed.createdAt.toISOString()}) is now ${changed.role}\n`,
    );
    return 0;
  } finally {
    await dataSource.destroy();
  }
}
