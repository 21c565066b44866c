// Simulation seeds 1-250 (with seeds-b: 500 seeds in every test run).
import { seedRange } from './seeds.ts';

seedRange(1, 250);
