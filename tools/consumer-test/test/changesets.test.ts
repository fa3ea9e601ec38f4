/**
 * We are 0.x: a minor or patch changeset must never plan a 1.0.0. Changesets bumps a package to major when a peer
 * dependency of it gets a minor release, unless the peer range still holds the new version (config option
 * onlyUpdatePeerDependentsWhenOutOfRange) — so internal peers need ranges, not exact versions.
 */
import assembleReleasePlan from '@changesets/assemble-release-plan';
import { read as readConfig } from '@changesets/config';
import readChangesets from '@changesets/read';
import type { NewChangeset } from '@changesets/types';
import { getPackages } from '@manypkg/get-packages';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../src/repo.js';

async function plan(changesets: NewChangeset[]) {
  const packages = await getPackages(repoRoot);
  const config = await readConfig(repoRoot, packages);
  return assembleReleasePlan(changesets, packages, config, undefined);
}

async function publicPackages(): Promise<string[]> {
  const { packages } = await getPackages(repoRoot);
  return packages.filter((p) => !p.packageJson.private).map((p) => p.packageJson.name);
}

describe('release plans', () => {
  it('the changesets in .changeset/ parse and plan no major', async () => {
    const changesets = await readChangesets(repoRoot);
    expect(changesets.length).toBeGreaterThan(0);
    for (const changeset of changesets)
      expect(
        changeset.releases.map((r) => r.type),
        changeset.id,
      ).not.toContain('major');
    const { releases } = await plan(changesets);
    expect(releases.filter((r) => r.type === 'major').map((r) => r.name)).toEqual([]);
    expect(releases.every((r) => r.newVersion.startsWith('0.'))).toBe(true);
  });

  it.each(['minor', 'patch'] as const)('a %s changeset of any one package plans no major anywhere', async (type) => {
    for (const name of await publicPackages()) {
      const { releases } = await plan([{ id: `only-${name}`, summary: 'x', releases: [{ name, type }] }]);
      expect(
        releases.filter((r) => r.type === 'major').map((r) => r.name),
        `${type} of ${name}`,
      ).toEqual([]);
    }
  });

  it('a minor changeset of every package at once plans only 0.x versions', async () => {
    const names = await publicPackages();
    expect(names.length).toBeGreaterThanOrEqual(4);
    const { releases } = await plan([
      { id: 'all', summary: 'x', releases: names.map((name) => ({ name, type: 'minor' as const })) },
    ]);
    expect(releases.map((r) => [r.name, r.newVersion]).filter(([, v]) => !v?.startsWith('0.'))).toEqual([]);
  });
});
