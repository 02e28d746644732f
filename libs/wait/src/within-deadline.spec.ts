import { withinDeadline } from './within-deadline';

describe('withinDeadline', () => {
  it("answers work's result when it ends in time", () => {
    expect(withinDeadline(10_000, () => 6 * 7)).toBe(42);
  });

  it('ends a synchronous loop that runs past it, with a throw', () => {
    expect(() =>
      withinDeadline(20, () => {
        for (;;);
      }),
    ).toThrow('Script execution timed out after 20ms');
  });
});
