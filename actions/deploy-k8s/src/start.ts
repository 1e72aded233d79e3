import { run } from '@pipeline/action-kit';
import { main } from './main.js';

export function start(): void {
  void run(main);
}
