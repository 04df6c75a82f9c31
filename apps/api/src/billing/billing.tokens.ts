/** The Stripe client (null when payments are not configured) and the API's PriceBook. */
export const STRIPE = Symbol('STRIPE');
export const PRICE_BOOK = Symbol('PRICE_BOOK');
