import { FailureRecap } from './failure-recap';

const colour = (text: string) => `\u001b[1m\u001b[31m${text}\u001b[39m\u001b[22m`;

describe('FailureRecap', () => {
  it('keeps nothing from a run where every test passed', () => {
    const recap = new FailureRecap();
    recap.write('auth: PASS auth apps/auth/src/a.integration-spec.ts\nauth: Tests: 3 passed\n');
    expect(recap.lines()).toEqual([]);
  });

  it("keeps a failing file, each failing test's heading and what follows it, per project, across chunks", () => {
    const recap = new FailureRecap();
    recap.write(
      `auth: ${colour('FAIL')} apps/auth/src/signup.integration-spec.ts\nauth:   ● signup › answers 503\n`,
    );
    recap.write(
      'web: PASS web apps/web/src/x.spec.ts\nauth:     expect(received).toBe(expected)\nau',
    );
    recap.write('th:     Expected: 503\nauth: PASS auth apps/auth/src/other.integration-spec.ts\n');
    recap.write('auth: Test Suites: 1 failed, 1 passed, 2 total\n');
    expect(recap.lines()).toEqual([
      'auth: FAIL apps/auth/src/signup.integration-spec.ts',
      'auth:   ● signup › answers 503',
      'auth:     expect(received).toBe(expected)',
      'auth:     Expected: 503',
    ]);
  });

  it("stops after 40 lines of one failure, and skips Jest's own summary of the same failures", () => {
    const recap = new FailureRecap();
    recap.write('chat:   ● one › fails\n');
    for (let line = 0; line < 60; line += 1) recap.write(`chat: stack line ${line}\n`);
    recap.write('chat: Summary of all failing tests\nchat:   ● one › fails\nchat: again\n');
    recap.write('chat: Test Suites: 1 failed, 1 total\nchat:   ● two › fails in the next target\n');
    const lines = recap.lines();
    expect(lines).toHaveLength(1 + 40 + 1);
    expect(lines.at(40)).toBe('chat: stack line 39');
    expect(lines.at(-1)).toBe('chat:   ● two › fails in the next target');
  });

  it('caps the recap and says how much it left out', () => {
    const recap = new FailureRecap();
    for (let test = 0; test < 100; test += 1) {
      recap.write(`p:   ● test ${test}\n`);
      for (let line = 0; line < 10; line += 1) recap.write(`p: line ${line}\n`);
    }
    const lines = recap.lines();
    expect(lines).toHaveLength(601);
    expect(lines.at(-1)).toBe('... and 500 more lines');
  });
});
