/** Prints the Node version npm scripts run under and fails below Node 24 (the runtime of `runs.using: node24`). */
const major = Number(process.versions.node.split('.')[0]);
console.log(`node ${process.version} (${process.execPath})`);
if (major < 24) {
  console.error(
    `This project needs Node 24 (actions declare runs.using: node24); got ${process.version}. Run \`npm ci\`: it installs Node 24 into node_modules/.bin, which npm scripts use.`,
  );
  process.exit(1);
}
