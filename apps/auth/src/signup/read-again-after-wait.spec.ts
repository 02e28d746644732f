import type { UserView } from '@scale-chat/contracts';
import { readAgainAfterWait } from './signup.service';

const pending: UserView = {
  id: '6f1c2a34-5b6d-4e7f-8a9b-0c1d2e3f4a5b',
  username: 'dora',
  displayName: 'Dora',
  status: 'pending',
  createdAt: '2026-12-06T22:00:00.000Z',
};
/** What node-postgres rejects with when the server ends the connection (a restart). */
const restarting = Object.assign(new Error('terminating connection due to administrator command'), {
  code: '57P01',
});

describe('readAgainAfterWait (the signup read once more once its wait is over)', () => {
  it('answers what it reads', async () => {
    const active = { ...pending, status: 'active' as const };
    await expect(readAgainAfterWait(() => Promise.resolve(active), pending)).resolves.toBe(active);
  });

  it('answers the user as last seen, pending, when the database cannot answer now', async () => {
    await expect(readAgainAfterWait(() => Promise.reject(restarting), pending)).resolves.toBe(
      pending,
    );
  });

  it('passes any other failure on', async () => {
    const undone = new Error('Signup could not be completed; please try again');
    await expect(readAgainAfterWait(() => Promise.reject(undone), pending)).rejects.toBe(undone);
  });
});
