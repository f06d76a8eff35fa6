import Capture from './capture.js';
import CompareImages from './compare-images.js';
import CompareTraces from './compare-traces.js';
import Explain from './explain.js';
import Harness from './harness.js';
import Matrix from './matrix.js';
import MatrixMerge from './matrix-merge.js';
import Metrics from './metrics.js';
import PerPhi from './per-phi.js';
import Simulate from './simulate.js';
import View from './view.js';

// oclif's explicit strategy: one import per command keeps start-up to the modules a run needs.
export const COMMANDS = {
  capture: Capture,
  'compare-images': CompareImages,
  'compare-traces': CompareTraces,
  explain: Explain,
  harness: Harness,
  matrix: Matrix,
  'matrix:merge': MatrixMerge,
  metrics: Metrics,
  'per-phi': PerPhi,
  simulate: Simulate,
  view: View,
};
