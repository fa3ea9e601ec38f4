import * as z from 'zod';

export const taskSchema = z.looseObject({
  id: z.number().int().nonnegative(),
  data: z.record(z.string(), z.unknown()),
});

export const predictRequestSchema = z.looseObject({
  tasks: z.array(taskSchema).min(1, 'tasks must hold at least one task'),
  label_config: z.string().min(1, 'label_config is required'),
  project: z.union([z.string(), z.number()]).optional(),
  params: z.record(z.string(), z.unknown()).nullish(),
});

export const setupRequestSchema = z.looseObject({
  project: z.union([z.string(), z.number()]).optional(),
  schema: z.string().min(1, 'schema (the label config) is required'),
  extra_params: z.unknown().optional(),
});

export const mlWebhookSchema = z.looseObject({
  action: z.string().min(1, 'action is required'),
});

export type LabelStudioTask = z.infer<typeof taskSchema>;
