import { partialRefundCredits } from './partial-refund';

describe('partialRefundCredits', () => {
  it('refunds the share of the images not made', () => {
    expect(partialRefundCredits({ credits: 0.8, fees: 0, requested: 4, succeeded: 3 })).toBe(0.2);
    expect(partialRefundCredits({ credits: 0.8, fees: 0, requested: 4, succeeded: 1 })).toBe(0.6);
  });

  it('keeps the access fees whole and refunds only from the price', () => {
    expect(partialRefundCredits({ credits: 1.8, fees: 1, requested: 4, succeeded: 2 })).toBe(0.4);
  });

  it('rounds the refund down to 4 places', () => {
    expect(partialRefundCredits({ credits: 1, fees: 0, requested: 3, succeeded: 1 })).toBe(0.6666);
    expect(partialRefundCredits({ credits: 0.0001, fees: 0, requested: 2, succeeded: 1 })).toBe(0);
  });

  it('treats none made as a full refund and all made as none', () => {
    expect(partialRefundCredits({ credits: 1.8, fees: 1, requested: 4, succeeded: 0 })).toBe(1.8);
    expect(partialRefundCredits({ credits: 0.8, fees: 0, requested: 4, succeeded: 4 })).toBe(0);
    expect(partialRefundCredits({ credits: 0.8, fees: 0, requested: 4, succeeded: 9 })).toBe(0);
  });
});
