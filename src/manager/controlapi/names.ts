/**
 * Names for services created without one. Docker's daemon fills an empty name from its
 * names generator (`adjective_surname`, e.g. `quirky_hopper`) before swarmkit validates
 * the spec; this is the same idea with our own, shorter word lists, drawn from the
 * injected Rng so the simulator replays it. A clash with a taken name is unlikely and is
 * refused by the store like any other (`name conflicts with an existing object`).
 */
import type { Rng } from '../../base/rng.ts';

const ADJECTIVES = [
  'agile',
  'bold',
  'brave',
  'calm',
  'clever',
  'eager',
  'fervent',
  'gentle',
  'happy',
  'jolly',
  'keen',
  'lucid',
  'merry',
  'nimble',
  'patient',
  'quiet',
  'quirky',
  'serene',
  'sharp',
  'steady',
  'swift',
  'tender',
  'upbeat',
  'vivid',
  'wise',
  'zealous',
] as const;

const SURNAMES = [
  'bell',
  'curie',
  'darwin',
  'euler',
  'faraday',
  'gauss',
  'hopper',
  'hypatia',
  'kepler',
  'lamarr',
  'lovelace',
  'maxwell',
  'meitner',
  'noether',
  'pascal',
  'ramanujan',
  'shannon',
  'tesla',
  'turing',
  'volta',
  'wozniak',
  'yalow',
] as const;

export function serviceNameGenerator(rng: Rng): () => string {
  return () => `${rng.pick(ADJECTIVES)}_${rng.pick(SURNAMES)}`;
}
