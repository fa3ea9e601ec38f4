/**
 * Stored resources and definition JSON as the older services still handle them: untyped records. The command
 * handlers are typed by the SDK (dispatch.ts), and newer modules (transform, listing, dispatch, container,
 * requirements) use the SDK's types; moving pipelines, jobs, endpoints, registry, tuning and expressions onto them
 * removes this alias. Kept in one place so what is left is visible.
 */
export type Rec = Record<string, any>;
