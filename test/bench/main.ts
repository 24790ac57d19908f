// `npm run bench [-- section ...]`: runs the benchmark sections in order (all when none are named).
// Each section lives in its own module; add one line here per section.
const sections: Record<string, () => Promise<void>> = {
  pki: async () => (await import('./pki.js')).runPkiBench(),
  controller: async () => (await import('./controller.js')).printControllerBench(),
  rotation: async () => (await import('./rotation.js')).printRotationBench(),
  'cert-manager': async () => (await import('./cert-manager.js')).printCertManagerBench(),
};

const wanted = process.argv.slice(2).filter((a) => a !== '--');
for (const name of wanted) if (!sections[name]) throw new Error(`unknown bench section ${name}; known: ${Object.keys(sections).join(', ')}`);
for (const [name, run] of Object.entries(sections)) {
  if (wanted.length === 0 || wanted.includes(name)) await run();
}
