import { creditsText, unitsOf } from './credit-units';

describe('credit units', () => {
  it('converts between credits and exact 0.0001 units', () => {
    expect(unitsOf(1.5)).toBe(15_000n);
    expect(unitsOf('12.3400')).toBe(123_400n);
    expect(unitsOf('-0.0001')).toBe(-1n);
    expect(unitsOf(0.1 + 0.2)).toBe(3_000n);
    expect(unitsOf('0.00005')).toBe(1n);
    expect(creditsText(-15_001n)).toBe('-1.5001');
    expect(creditsText(0n)).toBe('0.0000');
    expect(() => unitsOf('1e3')).toThrow(RangeError);
  });
});
