/** Fuzzes every input of actions/quality through the harness (see helpers/fuzz-suite.ts). */
import { fuzzSuite } from './helpers/fuzz-suite.js';

fuzzSuite('quality');
