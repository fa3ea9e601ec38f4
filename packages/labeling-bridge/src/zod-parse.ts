import type * as z from 'zod/mini';
import { en } from 'zod/locales';

/**
 * zod/mini rather than zod: the schemas are the same, but the classic API attaches every method to every schema
 * object, which cost the Lambda's cold start about 10 ms of CPU (of ~70) before any event arrived. zod/mini loads no
 * locale, so each parse here passes the English messages itself; setting them with z.config would change the zod
 * instance a consumer's own code shares with this package.
 */
const { localeError } = en();

/** `schema.safeParse(value)` with English issue messages. */
export function safeParse<T extends z.ZodMiniType>(schema: T, value: unknown): ReturnType<T['safeParse']> {
  return schema.safeParse(value, { error: localeError }) as ReturnType<T['safeParse']>;
}
