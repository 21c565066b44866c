// Simulation seeds 251-500 (with seeds-a: 500 seeds in every test run).
import { seedRange } from './seeds.ts';

seedRange(251, 250);
