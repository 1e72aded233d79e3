/** Fuzzes every input of actions/deploy-k8s through the harness (see helpers/fuzz-suite.ts). */
import { fuzzSuite } from './helpers/fuzz-suite.js';

fuzzSuite('deploy-k8s');
