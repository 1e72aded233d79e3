import { run } from '@pipeline/action-kit';
import { main } from './main.js';

void run(main);
