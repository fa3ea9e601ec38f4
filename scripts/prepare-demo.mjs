// `npm run demo` runs this first (npm's `predemo`): builds the packages the demo imports from their dist/
// folders. An Nx target with dependsOn ["^build"], cached: after the first run it takes a second or two.
import { spawnSync } from 'node:child_process';

const started = Date.now();
process.stderr.write('demo: building the packages it uses (nx run @sagemaker-mlops/demo:prepare, cached)\n');
const result = spawnSync('npx', ['nx', 'run', '@sagemaker-mlops/demo:prepare', '--outputStyle=static'], {
  // Nx's output goes to stderr: progress on a first build, and stdout stays clean for `--json`.
  stdio: ['ignore', process.stderr, 'inherit'],
  env: { ...process.env, NX_DAEMON: 'false', NX_TUI: 'false', NX_NO_CLOUD: 'true' },
});
if (result.status !== 0) {
  process.stderr.write(`demo: building the packages failed (exit ${result.status}); see the output above\n`);
  process.exit(result.status ?? 1);
}
process.stderr.write(`demo: packages built (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
