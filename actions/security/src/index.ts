import { run } from '@pipeline/action-kit';
import { main } from './main.js';

void run(async () => {
  await main();
});
