// Starts a private real PostgreSQL + Redis pair for this test run (tools/services/services.sh with
// its own state directory, so the fault tests never disturb an instance other suites share),
// and stops it afterwards.
import { servicesCtl } from './services.ts';

export async function globalSetup(): Promise<void> {
  await servicesCtl('start');
}

export async function globalTeardown(): Promise<void> {
  if (process.env.KEEP_TEST_SERVICES === 'true') return;
  await servicesCtl('stop');
}
