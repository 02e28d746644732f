import { DEAD_LETTERS_USAGE, deadLettersCommand } from './dead-letters-cli';
import type { ServiceDefinition } from './service-definition';

/** A service whose configuration must not be read: each case is refused before that. */
const untouched = {
  service: 'auth',
  readConfig: () => {
    throw new Error('the configuration was read');
  },
  rootModule: () => {
    throw new Error('the service was built');
  },
} as unknown as ServiceDefinition;

describe('dead-letters (the command line)', () => {
  it.each([
    [[]],
    [['list', '0']],
    [['list', 'ten']],
    [['list', '5', '6']],
    [['replay']],
    [['replay', '12', 'abc']],
    [['discard', '-1']],
    [['discard', '0']],
    [['resend', '12']],
    [['replay', '--even-if-old']],
    [['replay', '--force', '12']],
    [['discard', '--without-key', '12']],
  ])('prints its usage and exits 2 for %p, reading nothing', async (argv) => {
    const written: string[] = [];
    const write = jest
      .spyOn(process.stderr, 'write')
      .mockImplementation((text) => written.push(String(text)) > 0);
    try {
      await expect(deadLettersCommand(untouched, argv)).resolves.toBe(2);
    } finally {
      write.mockRestore();
    }
    expect(written).toEqual([`${DEAD_LETTERS_USAGE}\n`]);
  });
});
