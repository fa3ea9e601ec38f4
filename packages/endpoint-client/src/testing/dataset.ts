import { readdirSync, type Dirent } from 'node:fs';
import { basename, extname, join, relative, sep } from 'node:path';
import { InvalidInputError } from '../errors.js';

export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.bmp', '.gif', '.webp', '.tif', '.tiff'] as const;

export interface LabelledImage {
  /** Absolute (or as given) path of the image. */
  path: string;
  /** Path relative to the folder, with `/` separators: the image's name in reports. */
  name: string;
  /** The label the endpoint must predict. */
  expected: string;
}

/**
 * The expected label of an image, as the seed's endpoint test names its files:
 * a file in a sub-folder takes the folder's name (`forest/123.jpg` → `forest`); a file at the top takes its own
 * name without extension and without a `_<n>` suffix (`forest.jpg`, `forest_2.jpg` → `forest`).
 */
export function labelFor(relativePath: string): string {
  const parts = relativePath.split(/[\\/]/).filter(Boolean);
  if (parts.length > 1) return parts[parts.length - 2] as string;
  const file = parts[0] ?? relativePath;
  return basename(file, extname(file)).replace(/_\d+$/, '');
}

/**
 * Lists the images under `dir` (recursively, hidden entries skipped, sorted by name) with their expected labels.
 * Synchronous so that the vitest helper can declare one test per image while collecting.
 */
export function listLabelledImages(dir: string): LabelledImage[] {
  let top: Dirent[];
  try {
    top = readdirSync(dir, { withFileTypes: true });
  } catch (error) {
    throw new InvalidInputError(
      `Cannot read the image folder ${dir} (${
        (error as { code?: string }).code ?? String(error)
      }): pass a folder of images named by label (forest.jpg, forest_2.jpg) or sorted into label folders (forest/123.jpg)`,
      { cause: error },
    );
  }
  const images: LabelledImage[] = [];
  const walk = (entries: Dirent[], folder: string) => {
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const full = join(folder, entry.name);
      if (entry.isDirectory()) {
        walk(readdirSync(full, { withFileTypes: true }), full);
        continue;
      }
      // Symlinks and other non-directories count if their name says image; a dangling link is then reported as unreadable.
      if (!(IMAGE_EXTENSIONS as readonly string[]).includes(extname(entry.name).toLowerCase())) continue;
      const name = relative(dir, full).split(sep).join('/');
      images.push({ path: full, name, expected: labelFor(name) });
    }
  };
  walk(top, dir);
  images.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (images.length === 0) {
    throw new InvalidInputError(
      `No images (${IMAGE_EXTENSIONS.join(
        ', ',
      )}) found under ${dir}: name them by label (forest.jpg, forest_2.jpg) or sort them into label folders (forest/123.jpg)`,
    );
  }
  return images;
}
