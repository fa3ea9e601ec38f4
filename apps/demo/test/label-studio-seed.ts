import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Label Studio's first start migrates ~200 tables (minutes on 2 cores). The labeling-bridge suite keeps a migrated
 * database; when it exists the test starts from a copy with that database's login, which the demo then reuses.
 */
export function seedLabelStudio(dataDir: string): void {
  const templates = join(
    process.env['SAGEMAKER_MLOPS_CACHE'] ?? join(homedir(), '.cache/sagemaker-mlops'),
    'labelstudio-template',
  );
  const template = existsSync(templates)
    ? readdirSync(templates)
        .map((key) => join(templates, key, 'label_studio.sqlite3'))
        .find((file) => existsSync(file))
    : undefined;
  if (!template) return;
  mkdirSync(dataDir, { recursive: true });
  copyFileSync(template, join(dataDir, 'label_studio.sqlite3'));
  writeFileSync(
    join(dataDir, 'demo-login.json'),
    JSON.stringify({
      username: 'test@example.com',
      password: 'testpass123',
      token: '0123456789abcdef0123456789abcdef01234567',
    }),
  );
}
