import { FASHION_LABELS, labelConfigXml } from './images.js';

/**
 * An ANNOTATION_CREATED webhook body for annotation i of project 7 (annotation 1000 + i on task 5000 + i), labelled
 * FASHION_LABELS[i mod 10], for the image at `image`.
 */
export function annotationCreated(i: number, image: string) {
  return {
    action: 'ANNOTATION_CREATED',
    annotation: {
      id: 1000 + i,
      result: [
        {
          id: 'r1',
          from_name: 'choice',
          to_name: 'image',
          type: 'choices',
          value: { choices: [FASHION_LABELS[i % FASHION_LABELS.length]] },
        },
      ],
      task: 5000 + i,
      project: 7,
      completed_by: 1,
      was_cancelled: false,
      created_at: '2026-11-27T10:00:00.000000Z',
      updated_at: '2026-11-27T10:00:00.000000Z',
    },
    task: { id: 5000 + i, data: { image }, project: 7 },
    project: { id: 7, label_config: labelConfigXml() },
  };
}

/**
 * Label Studio's at-least-once delivery: every index in [0, unique) once plus duplicates up to `total`, shuffled
 * with a seeded generator so a failure replays.
 */
export function deliveriesWithDuplicates(unique: number, total: number, seed: number): number[] {
  const deliveries = Array.from({ length: unique }, (_, i) => i);
  const random = seededRandom(seed);
  while (deliveries.length < total) deliveries.push(Math.floor(random() * unique));
  for (let i = deliveries.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [deliveries[i], deliveries[j]] = [deliveries[j] as number, deliveries[i] as number];
  }
  return deliveries;
}

/** POSTs webhook bodies with `concurrency` in flight; `urlFor(n)` picks the bridge for delivery n. Returns the statuses. */
export async function deliver(
  bodies: unknown[],
  urlFor: (n: number) => string,
  secret: string,
  concurrency: number,
): Promise<number[]> {
  const statuses: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < bodies.length) {
        const n = next++;
        const response = await fetch(`${urlFor(n)}/webhook`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-labeling-bridge-secret': secret },
          body: JSON.stringify(bodies[n]),
        });
        statuses.push(response.status);
        await response.arrayBuffer();
      }
    }),
  );
  return statuses;
}

/** A small deterministic generator in [0, 1) (an LCG): seeded runs replay exactly. */
export function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}
