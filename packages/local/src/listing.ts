import { validationException } from './errors.js';

/** The clock of every stored timestamp: ISO strings in the state folder, revived as Dates in responses. */
export function now(): string {
  return new Date().toISOString();
}

/** The fields of a List* request that local mode honours. */
export interface ListRequest {
  SortBy?: string;
  SortOrder?: string;
  MaxResults?: number;
  NextToken?: string;
  CreationTimeAfter?: Date | string;
  CreationTimeBefore?: Date | string;
}

type Listed = object;

function field(item: Listed, key: string): unknown {
  return (item as Record<string, unknown>)[key];
}

/** SortBy Name / Status / CreationTime (default), SortOrder Descending by default, as the List* APIs do. */
export function sortItems<T extends Listed>(
  items: T[],
  input: ListRequest,
  byName: string,
  defaultSortBy = 'CreationTime',
  defaultOrder = 'Descending',
): T[] {
  const sortBy = input.SortBy ?? defaultSortBy;
  const order = input.SortOrder ?? defaultOrder;
  const key =
    sortBy === 'Name'
      ? byName
      : sortBy === 'Status'
        ? (Object.keys(items[0] ?? {}).find((k) => k.endsWith('Status')) ?? byName)
        : 'CreationTime';
  const text = (item: T, k: string) => {
    const value = field(item, k);
    return value instanceof Date ? value.toISOString() : String(value);
  };
  const sorted = [...items].sort(
    (a, b) => text(a, key).localeCompare(text(b, key)) || text(a, byName).localeCompare(text(b, byName)),
  );
  return order === 'Ascending' ? sorted : sorted.reverse();
}

/** CreationTimeAfter / CreationTimeBefore (exclusive bounds). */
export function timeFilter<T extends Listed>(items: T[], input: ListRequest): T[] {
  const toMs = (v: unknown) =>
    v instanceof Date ? v.getTime() : v === undefined ? undefined : new Date(String(v)).getTime();
  const after = toMs(input.CreationTimeAfter);
  const before = toMs(input.CreationTimeBefore);
  return items.filter((item) => {
    const t = new Date(field(item, 'CreationTime') as string).getTime();
    return (after === undefined || t > after) && (before === undefined || t < before);
  });
}

/** MaxResults (1..100) pages with an opaque NextToken. */
export function paginate<T>(items: T[], input: ListRequest, defaultMax = 100): { page: T[]; NextToken?: string } {
  const max = Math.min(Math.max(Number(input.MaxResults ?? defaultMax), 1), 100);
  const start = input.NextToken ? Number(Buffer.from(String(input.NextToken), 'base64url').toString()) : 0;
  const page = items.slice(start, start + max);
  return start + max < items.length
    ? { page, NextToken: Buffer.from(String(start + max)).toString('base64url') }
    : { page };
}

/** A required string field of a request, or a ValidationException that names it. */
export function requireString(input: object, name: string, command: string): string {
  const value = field(input, name);
  if (typeof value !== 'string' || value === '')
    throw validationException(`${command}: ${name} is required (a non-empty string).`);
  return value;
}
