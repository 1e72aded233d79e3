/** Fuzzes every input of actions/smoke-test through the harness (see helpers/fuzz-suite.ts). */
import { fuzzSuite } from './helpers/fuzz-suite.js';

fuzzSuite('smoke-test');
