import { startService } from '@scale-chat/platform';
import { adminCommand } from './admin-cli';
import { authService } from './app.module';

// `main admin grant|revoke <username>`: the admin tool ships in the service's own image.
if (process.argv[2] === 'admin') {
  adminCommand(process.argv.slice(3)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`admin: ${String(error)}\n`);
      process.exit(1);
    },
  );
} else {
  startService(authService);
}
