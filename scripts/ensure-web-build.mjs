// Builds the web app before `npm start` when web/dist is missing or older than its sources.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const web = path.join(root, 'web');
const built = path.join(web, 'dist', 'index.html');

function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'dist' || entry.name === 'node_modules') continue;
    const full = path.join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(full) : statSync(full).mtimeMs);
  }
  return latest;
}

if (!existsSync(path.join(web, 'index.html'))) process.exit(0);
if (!existsSync(built) || statSync(built).mtimeMs < newest(web)) {
  console.log('building the web app (web/dist) ...');
  execFileSync(
    process.execPath,
    [path.join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', web],
    {
      stdio: 'inherit',
      cwd: root,
      // Under a test runner NODE_ENV=test would give React's development build.
      env: { ...process.env, NODE_ENV: 'production' },
    },
  );
}
