import * as z from 'zod';

const id = z.number().int().nonnegative();

export const annotationSchema = z.looseObject({
  id,
  result: z.array(z.unknown()).default([]),
  task: z.union([id, z.looseObject({ id })]).optional(),
  project: z.union([id, z.looseObject({ id })]).nullish(),
  was_cancelled: z.boolean().nullish(),
  completed_by: z.unknown().optional(),
  created_at: z.string().nullish(),
  updated_at: z.string().nullish(),
  parent_prediction: z.unknown().optional(),
  lead_time: z.number().nullish(),
});

export const taskSchema = z.looseObject({
  id,
  data: z.record(z.string(), z.unknown()),
  project: id.nullish(),
});

export const projectSchema = z.looseObject({
  id,
  label_config: z.string().optional(),
});

export const singleAnnotationEvent = z.looseObject({
  action: z.enum(['ANNOTATION_CREATED', 'ANNOTATION_UPDATED']),
  annotation: annotationSchema,
  task: taskSchema,
  project: projectSchema.optional(),
});

export const bulkAnnotationEvent = z.looseObject({
  action: z.literal('ANNOTATIONS_CREATED'),
  annotation: z.array(annotationSchema).min(1),
  task: z.array(taskSchema).min(1),
  project: projectSchema.optional(),
});

export const deletedEvent = z.looseObject({
  action: z.literal('ANNOTATIONS_DELETED'),
  annotations: z.array(z.looseObject({ id })).min(1),
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
      .array(z.string('each choice must be a string (a label of the config)').max(1000))
      .length(1, 'expected exactly one choice (image classification is single-choice)'),
  }),
});

export const anyEvent = z.looseObject({ action: z.string().min(1).max(100) });

export type Annotation = z.infer<typeof annotationSchema>;
export type Task = z.infer<typeof taskSchema>;
export type Project = z.infer<typeof projectSchema>;
