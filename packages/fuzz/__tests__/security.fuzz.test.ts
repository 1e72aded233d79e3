/** Fuzzes every input of actions/security through the harness (see helpers/fuzz-suite.ts). */
import { fuzzSuite } from './helpers/fuzz-suite.js';

fuzzSuite('security');
