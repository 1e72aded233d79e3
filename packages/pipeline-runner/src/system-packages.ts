/**
 * System packages a run installs on this host: the provisioning scripts
 * (services.sh, containers.sh, real-node.sh) print "installing system
 * packages: <package> (<why>) with apt-get" before each apt-get install;
 * the run collects those lines for the report. With --no-install the
 * scripts fail instead, naming each package and why it was needed.
 */

/** What tells each script not to install (each one's own switch). */
export const NO_INSTALL_ENV: Readonly<Record<string, string>> = {
  SERVICES_NO_INSTALL: '1',
  CONTAINERS_NO_INSTALL: '1',
  KUBE_NO_INSTALL: '1',
};

/** Sets the scripts' switches in this process's environment (the scripts inherit it); returns what restores it. */
export function forbidInstalls(): () => void {
  const before = Object.fromEntries(Object.keys(NO_INSTALL_ENV).map((k) => [k, process.env[k]]));
  Object.assign(process.env, NO_INSTALL_ENV);
  return () => {
    for (const [k, v] of Object.entries(before)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}

const INSTALL_LINE = /^\s*([\w.-]+): installing system packages: (.+) with apt-get\s*$/;

/** The script and packages of an "installing system packages" line, else undefined. */
export function parseInstallLine(line: string): { script: string; packages: string } | undefined {
  const m = INSTALL_LINE.exec(line);
  return m?.[1] && m[2] ? { script: m[1], packages: m[2] } : undefined;
}

/** A log function that also records the packages the scripts say they install. */
export function watchInstalls(log: (line: string) => void, installed: string[]): (line: string) => void {
  return (line: string) => {
    const found = parseInstallLine(line);
    if (found) installed.push(`${found.script}: ${found.packages}`);
    log(line);
  };
}

/** The note the report gets about system packages. */
export function installNote(installed: readonly string[], allowed: boolean): string {
  if (!allowed)
    return 'System packages: --no-install: the provisioning scripts were told not to install any (a missing one fails the stage that needs it, naming it).';
  if (installed.length === 0)
    return 'System packages: this run installed none (each script prints the packages it installs with apt-get before installing them; --no-install fails instead).';
  return `System packages installed on this host by this run (apt-get): ${installed.join('; ')}. --no-install fails instead.`;
}
