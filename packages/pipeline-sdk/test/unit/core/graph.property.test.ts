// Property-based: random DAGs compile and their dependency graph is exactly the declared edges;
// adding one edge that closes a loop is always reported as a cycle.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DependencyCycleError, FailStep, Pipeline, TrainingStep } from '../../../src/index.js';
import { trainingArgs } from './fixtures.js';

// edges[i] = indexes j < i that step i waits for; half by DependsOn, half by a property reference.
const dag = fc
  .integer({ min: 2, max: 25 })
  .chain((n) =>
    fc.tuple(fc.constant(n), fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1), fc.boolean()), { maxLength: 60 })),
  );

function build(n: number, rawEdges: [number, number, boolean][]) {
  const deps = new Map<number, Map<number, boolean>>();
  for (const [a, b, byRef] of rawEdges) {
    if (a === b) continue;
    const [from, to] = a > b ? [a, b] : [b, a];
    if (!deps.has(from)) deps.set(from, new Map());
    deps.get(from)!.set(to, byRef);
  }
  const steps: TrainingStep[] = [];
  for (let i = 0; i < n; i++) {
    const mine = [...(deps.get(i) ?? new Map<number, boolean>())];
    const dependsOn = mine.filter(([, byRef]) => !byRef).map(([j]) => steps[j]!);
    const environment = Object.fromEntries(
      mine
        .filter(([, byRef]) => byRef)
        .map(([j]) => [`FROM_${j}`, steps[j]!.properties.ModelArtifacts.S3ModelArtifacts]),
    );
    steps.push(new TrainingStep({ name: `S${i}`, arguments: trainingArgs({ Environment: environment }), dependsOn }));
  }
  // Listed in reverse: the compiler must not depend on the order steps are given in.
  return { pipeline: new Pipeline({ name: 'p', steps: [...steps].reverse() }), deps };
}

describe('dependency graph (property-based)', () => {
  it('compiles any DAG and reports exactly its edges', () => {
    fc.assert(
      fc.property(dag, ([n, edges]) => {
        const built = build(n, edges);
        const graph = built.pipeline.dependencyGraph();
        for (let i = 0; i < n; i++) {
          const expected = [...(built.deps.get(i)?.keys() ?? [])].map((j) => `S${j}`).sort();
          expect([...graph.get(`S${i}`)!].sort()).toEqual(expected);
        }
        expect(() => built.pipeline.definition()).not.toThrow();
      }),
      { numRuns: 150 },
    );
  });

  it('reports a cycle when a step waits for one of its descendants', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 30 }), fc.nat(), (n, seed) => {
        // A chain S0 <- S1 <- ... <- S(n-1), then S(k) waits for S(n-1).
        const k = seed % (n - 1);
        const steps = Array.from(
          { length: n },
          (_, i) =>
            new FailStep({
              name: `S${i}`,
              dependsOn: [...(i > 0 ? [`S${i - 1}`] : []), ...(i === k ? [`S${n - 1}`] : [])],
            }),
        );
        let error: unknown;
        try {
          new Pipeline({ name: 'p', steps }).definition();
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(DependencyCycleError);
        const cycle = (error as DependencyCycleError).cycle;
        expect(cycle.length).toBe(n - k + 1);
      }),
      { numRuns: 100 },
    );
  });
});
