import * as z from 'zod/mini';

const id = z.int().check(z.nonnegative());

export const annotationSchema = z.looseObject({
  id,
  result: z._default(z.array(z.unknown()), []),
  task: z.optional(z.union([id, z.looseObject({ id })])),
  project: z.nullish(z.union([id, z.looseObject({ id })])),
  was_cancelled: z.nullish(z.boolean()),
  completed_by: z.optional(z.unknown()),
  created_at: z.nullish(z.string()),
  updated_at: z.nullish(z.string()),
  parent_prediction: z.optional(z.unknown()),
  lead_time: z.nullish(z.number()),
});

export const taskSchema = z.looseObject({
  id,
  data: z.record(z.string(), z.unknown()),
  project: z.nullish(id),
});

export const projectSchema = z.looseObject({
  id,
  label_config: z.optional(z.string()),
});

export const singleAnnotationEvent = z.looseObject({
  action: z.enum(['ANNOTATION_CREATED', 'ANNOTATION_UPDATED']),
  annotation: annotationSchema,
  task: taskSchema,
  project: z.optional(projectSchema),
});

export const bulkAnnotationEvent = z.looseObject({
  action: z.literal('ANNOTATIONS_CREATED'),
  annotation: z.array(annotationSchema).check(z.minLength(1)),
  task: z.array(taskSchema).check(z.minLength(1)),
  project: z.optional(projectSchema),
});

export const deletedEvent = z.looseObject({
  action: z.literal('ANNOTATIONS_DELETED'),
  annotations: z.array(z.looseObject({ id })).check(z.minLength(1)),
  project: projectSchema,
});
/** Enough of a result item to tell whether it is the choices result of a given tag. */
export const choicesResultHead = z.looseObject({ type: z.literal('choices'), from_name: z.string() });
/** The choices result of the config's Choices tag: exactly one choice, a string (labels are checked afterwards). */
export const choicesResult = z.looseObject({
  type: z.literal('choices'),
  from_name: z.string(),
  value: z.looseObject({
    choices: z
      .array(z.string('each choice must be a string (a label of the config)').check(z.maxLength(1000)))
      .check(z.length(1, 'expected exactly one choice (image classification is single-choice)')),
  }),
});

export const anyEvent = z.looseObject({ action: z.string().check(z.minLength(1), z.maxLength(100)) });

export type Annotation = z.infer<typeof annotationSchema>;
export type Task = z.infer<typeof taskSchema>;
export type Project = z.infer<typeof projectSchema>;
