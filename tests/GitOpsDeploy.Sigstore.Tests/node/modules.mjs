// Loads the npm packages from SIGSTORE_NODE_MODULES (default: node_modules next to this script).
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const modules = process.env.SIGSTORE_NODE_MODULES || join(here, 'node_modules');
// createRequire resolves from <dir of the file>/node_modules: name a file beside the folder.
const require = createRequire(join(dirname(modules), 'resolve-from-here.cjs'));

export const load = (name) => require(name);
