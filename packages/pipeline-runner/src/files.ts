/** Small file-system questions several modules ask. */
import { stat } from 'node:fs/promises';

export async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}
