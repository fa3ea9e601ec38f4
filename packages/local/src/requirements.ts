import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { LocalContext } from './context.js';
import { exists, uniqueSuffix } from './fsutil.js';

const PROBE =
  'import json, site, sys; print(json.dumps({"sitePackages": site.getsitepackages(), "version": sys.version}))';

function run(command: string, args: string[], env?: NodeJS.ProcessEnv): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { env, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(Object.assign(error, { stdout, stderr }));
      else resolve({ stdout, stderr });
    });
  });
}

/**
 * The interpreter that runs code whose source folder has a requirements.txt, as the framework containers
 * install it before running the script or loading the model. Local mode installs it once into an overlay of the
 * image's interpreter (a venv that sees the interpreter's own packages through a .pth file, so only what is
 * missing is installed), cached in <stateDir>/cache/python-overlays/<hash of interpreter + requirements>.
 * pip runs with the machine's pip configuration (a local index or wheel folder in pip.conf / PIP_* works
 * offline) plus `pipOptions`; a failed install fails the job with pip's own message.
 */
export async function interpreterFor(ctx: LocalContext, python: string, codeDir: string): Promise<string> {
  const requirementsFile = join(codeDir, 'requirements.txt');
  if (!(await exists(requirementsFile))) return python;
  const requirements = await fs.readFile(requirementsFile, 'utf8');
  if (requirements.split('\n').every((line) => line.trim() === '' || line.trim().startsWith('#'))) return python;
  const { stdout } = await run(python, ['-c', PROBE]);
  const base = JSON.parse(stdout) as { sitePackages: string[]; version: string };
  const key = createHash('sha256')
    .update(JSON.stringify([python, base, requirements, ctx.pipOptions]))
    .digest('hex')
    .slice(0, 16);
  const overlay = join(ctx.stateDir, 'cache', 'python-overlays', key);
  const overlayPython = join(overlay, 'bin', 'python');
  if (await exists(join(overlay, '.complete'))) return overlayPython;
  // Built aside and renamed into place: concurrent jobs never use a half-installed overlay.
  const staging = join(ctx.stateDir, 'tmp', `overlay-${uniqueSuffix()}`);
  try {
    await run(python, ['-m', 'venv', '--without-pip', staging]);
    const stagedPython = join(staging, 'bin', 'python');
    const probe = JSON.parse((await run(stagedPython, ['-c', PROBE])).stdout) as { sitePackages: string[] };
    const own = probe.sitePackages[0] as string;
    await fs.writeFile(join(own, '_sagemaker_local_base.pth'), `${base.sitePackages.join('\n')}\n`);
    await run(
      stagedPython,
      ['-m', 'pip', 'install', '--no-input', '--disable-pip-version-check', ...ctx.pipOptions, '-r', requirementsFile],
      { ...process.env, PIP_NO_INPUT: '1' },
    ).catch((error: { stderr?: string; message: string }) => {
      throw new Error(
        `ClientError: installing ${requirementsFile} failed (pip ${ctx.pipOptions.join(' ')}): ${(error.stderr || error.message).trim().split('\n').slice(-8).join('\n')}`,
      );
    });
    // Python finds a venv's packages relative to its executable, so the finished folder can be renamed into place.
    await fs.writeFile(join(staging, '.complete'), requirements);
    await fs.mkdir(join(ctx.stateDir, 'cache', 'python-overlays'), { recursive: true });
    await fs.rename(staging, overlay).catch(async () => {
      await fs.rm(staging, { recursive: true, force: true });
    });
    return overlayPython;
  } catch (error) {
    await fs.rm(staging, { recursive: true, force: true });
    throw error;
  }
}
