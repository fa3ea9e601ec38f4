import * as z from 'zod/mini';

export const taskSchema = z.looseObject({
  id: z.int().check(z.nonnegative()),
  data: z.record(z.string(), z.unknown()),
});

export const predictRequestSchema = z.looseObject({
  tasks: z.array(taskSchema).check(z.minLength(1, 'tasks must hold at least one task')),
  label_config: z.string().check(z.minLength(1, 'label_config is required')),
  project: z.optional(z.union([z.string(), z.number()])),
  params: z.nullish(z.record(z.string(), z.unknown())),
});

export const setupRequestSchema = z.looseObject({
  project: z.optional(z.union([z.string(), z.number()])),
  schema: z.string().check(z.minLength(1, 'schema (the label config) is required')),
  extra_params: z.optional(z.unknown()),
});

export const mlWebhookSchema = z.looseObject({
  action: z.string().check(z.minLength(1, 'action is required')),
});

export type LabelStudioTask = z.infer<typeof taskSchema>;
