import { reliabilityReport } from './reliability-report';

describe('reliabilityReport', () => {
  it('lists every finding in a table, escaping pipes and marking what did not hold', () => {
    const page = reliabilityReport(
      [
        { fault: 'a | b', expected: 'x', observed: 'y\nz', held: true },
        { fault: 'c', expected: 'd', observed: 'e', held: false },
      ],
      'On a test machine.',
    );
    expect(page).toContain('On a test machine.');
    expect(page).toContain('| a \\| b | x | y z | yes |');
    expect(page).toContain('| c | d | e | **no** |');
  });
});
