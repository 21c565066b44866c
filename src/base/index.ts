/**
 * src/base: zero-dependency primitives every layer uses. Clock and Rng are injected so the
 * simulator can run manager and agent code on virtual time with seeded randomness.
 */
export * from './clock.ts';
export * from './errors.ts';
export * from './logger.ts';
export * from './owner.ts';
export * from './rng.ts';
