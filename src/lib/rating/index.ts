// Arena ratings as FastChat computes them (online Elo, Bradley-Terry, bootstrap intervals,
// win-rate matrices), in pure TypeScript for the leaderboard page and the coordinator.
export * from './battle';
export * from './jsonl';
export * from './elo';
export * from './bradley-terry';
export * from './bootstrap';
export * from './pair-counts';
export * from './win-rate';
export * from './leaderboard';
export { createRng, sampleBinomial, sampleMultinomial, type Rng } from './prng';
export * from './conv-metadata';
export * from './style-control';
export * from './categories';
export * from './board';
export * from './dedup';
