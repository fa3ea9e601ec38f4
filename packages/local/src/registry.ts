import { join } from 'node:path';
import { ResourceNotFound } from '@aws-sdk/client-sagemaker';
import type { HandlerTable } from './client-base.js';
import type { LocalContext } from './context.js';
import { metadata, validationException } from './errors.js';
import { withFileLock } from './fsutil.js';
import { ResourceStore, revive } from './store.js';

type Rec = Record<string, any>;

const APPROVAL = ['Approved', 'Rejected', 'PendingManualApproval'];

function now(): string {
  return new Date().toISOString();
}

function requireString(input: Rec, field: string, command: string): string {
  const value = input[field];
  if (typeof value !== 'string' || value === '')
    throw validationException(`${command}: ${field} is required (a non-empty string).`);
  return value;
}

function paginate<T>(items: T[], input: Rec, defaultMax = 100): { page: T[]; NextToken?: string } {
  const max = Math.min(Math.max(Number(input.MaxResults ?? defaultMax), 1), 100);
  const start = input.NextToken ? Number(Buffer.from(String(input.NextToken), 'base64url').toString()) : 0;
  const page = items.slice(start, start + max);
  return start + max < items.length
    ? { page, NextToken: Buffer.from(String(start + max)).toString('base64url') }
    : { page };
}

export function sortItems<T extends Rec>(
  items: T[],
  input: Rec,
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
  const sorted = [...items].sort(
    (a, b) => String(a[key]).localeCompare(String(b[key])) || String(a[byName]).localeCompare(String(b[byName])),
  );
  return order === 'Ascending' ? sorted : sorted.reverse();
}

export function timeFilter(items: Rec[], input: Rec): Rec[] {
  const toMs = (v: unknown) =>
    v instanceof Date ? v.getTime() : v === undefined ? undefined : new Date(String(v)).getTime();
  const after = toMs(input.CreationTimeAfter);
  const before = toMs(input.CreationTimeBefore);
  return items.filter((item) => {
    const t = new Date(item.CreationTime).getTime();
    return (after === undefined || t > after) && (before === undefined || t < before);
  });
}

/** Models and the model registry (model package groups and model packages). */
export class ModelRegistry {
  readonly models: ResourceStore<Rec>;
  readonly groups: ResourceStore<Rec>;
  readonly packages: ResourceStore<Rec>;

  constructor(private readonly ctx: LocalContext) {
    this.models = new ResourceStore(ctx.stateDir, 'models');
    this.groups = new ResourceStore(ctx.stateDir, 'model-package-groups');
    this.packages = new ResourceStore(ctx.stateDir, 'model-packages');
  }

  async describeModel(name: string): Promise<Rec> {
    const model = await this.models.get(name);
    if (!model) throw validationException(`Could not find model "${this.ctx.arn('model', name)}".`);
    return model;
  }

  /** Finds a model package by ARN, "group/version" or unversioned name. */
  async findPackage(nameOrArn: string): Promise<Rec | undefined> {
    const arnMatch = /:model-package\/(.+)$/.exec(nameOrArn);
    const id = arnMatch ? (arnMatch[1] as string) : nameOrArn;
    const direct = await this.packages.get(id);
    if (direct) return direct;
    const all = await this.packages.list();
    return all.find(
      (p) =>
        p.ModelPackageArn === nameOrArn || (p.ModelPackageArn as string).toLowerCase().endsWith(`/${id.toLowerCase()}`),
    );
  }

  async describePackage(nameOrArn: string): Promise<Rec> {
    const found = await this.findPackage(nameOrArn);
    if (!found) throw validationException(`ModelPackage ${nameOrArn} does not exist.`);
    return found;
  }

  handlers(): HandlerTable {
    const ctx = this.ctx;
    return {
      CreateModel: async (input: Rec) => {
        const name = requireString(input, 'ModelName', 'CreateModel');
        if (!input.PrimaryContainer && !input.Containers)
          throw validationException('CreateModel: give PrimaryContainer or Containers.');
        const containers: Rec[] = input.PrimaryContainer ? [input.PrimaryContainer] : input.Containers;
        for (const [i, container] of containers.entries()) {
          if (!container.Image && !container.ModelPackageName) {
            throw validationException(`CreateModel ${name}: container ${i} needs Image (or ModelPackageName).`);
          }
          if (container.ModelPackageName && !(await this.findPackage(container.ModelPackageName))) {
            throw validationException(
              `CreateModel ${name}: model package ${container.ModelPackageName} does not exist.`,
            );
          }
        }
        const arn = ctx.arn('model', name);
        const created = await this.models.update(name, (current) => {
          if (current) throw validationException(`Cannot create already existing model "${arn}".`);
          return { ...input, ModelArn: arn, CreationTime: now() };
        });
        return { $metadata: metadata(200), ModelArn: created.ModelArn };
      },
      DescribeModel: async (input: Rec) => ({
        $metadata: metadata(200),
        ...revive(await this.describeModel(requireString(input, 'ModelName', 'DescribeModel'))),
      }),
      DeleteModel: async (input: Rec) => {
        await this.describeModel(requireString(input, 'ModelName', 'DeleteModel'));
        await this.models.delete(input.ModelName);
        return { $metadata: metadata(200) };
      },
      ListModels: async (input: Rec) => {
        let models = await this.models.list();
        if (input.NameContains) models = models.filter((m) => String(m.ModelName).includes(input.NameContains));
        const { page, NextToken } = paginate(sortItems(timeFilter(models, input), input, 'ModelName'), input);
        return {
          $metadata: metadata(200),
          Models: revive(
            page.map((m) => ({ ModelName: m.ModelName, ModelArn: m.ModelArn, CreationTime: m.CreationTime })),
          ),
          ...(NextToken ? { NextToken } : {}),
        };
      },

      CreateModelPackageGroup: async (input: Rec) => {
        const name = requireString(input, 'ModelPackageGroupName', 'CreateModelPackageGroup');
        if (!/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/.test(name)) {
          throw validationException(
            `CreateModelPackageGroup: ModelPackageGroupName "${name}" must match ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$.`,
          );
        }
        const arn = ctx.arn('model-package-group', name);
        await this.groups.update(name, (current) => {
          if (current) throw validationException(`Model Package Group already exists: ${arn}`);
          return {
            ...input,
            ModelPackageGroupArn: arn,
            CreationTime: now(),
            ModelPackageGroupStatus: 'Completed',
            CreatedBy: {},
          };
        });
        return { $metadata: metadata(200), ModelPackageGroupArn: arn };
      },
      DescribeModelPackageGroup: async (input: Rec) => {
        const group = await this.findGroup(requireString(input, 'ModelPackageGroupName', 'DescribeModelPackageGroup'));
        return { $metadata: metadata(200), ...revive(group) };
      },
      ListModelPackageGroups: async (input: Rec) => {
        let groups = await this.groups.list();
        if (input.NameContains)
          groups = groups.filter((g) => String(g.ModelPackageGroupName).includes(input.NameContains));
        const { page, NextToken } = paginate(
          sortItems(timeFilter(groups, input), input, 'ModelPackageGroupName'),
          input,
        );
        return {
          $metadata: metadata(200),
          ModelPackageGroupSummaryList: revive(
            page.map((g) => ({
              ModelPackageGroupName: g.ModelPackageGroupName,
              ModelPackageGroupArn: g.ModelPackageGroupArn,
              ModelPackageGroupDescription: g.ModelPackageGroupDescription,
              CreationTime: g.CreationTime,
              ModelPackageGroupStatus: g.ModelPackageGroupStatus,
            })),
          ),
          ...(NextToken ? { NextToken } : {}),
        };
      },
      DeleteModelPackageGroup: async (input: Rec) => {
        const group = await this.findGroup(requireString(input, 'ModelPackageGroupName', 'DeleteModelPackageGroup'));
        const members = (await this.packages.list()).filter(
          (p) => p.ModelPackageGroupName === group.ModelPackageGroupName,
        );
        if (members.length > 0)
          throw validationException(
            `Model package group ${group.ModelPackageGroupName} still has ${members.length} model package(s); delete them first.`,
          );
        await this.groups.delete(group.ModelPackageGroupName);
        return { $metadata: metadata(200) };
      },

      CreateModelPackage: async (input: Rec) => {
        if (input.ModelApprovalStatus !== undefined && !APPROVAL.includes(input.ModelApprovalStatus)) {
          throw validationException(
            `CreateModelPackage: ModelApprovalStatus "${input.ModelApprovalStatus}" must be one of ${APPROVAL.join(', ')}.`,
          );
        }
        if (input.ModelPackageGroupName && input.ModelPackageName) {
          throw validationException(
            'CreateModelPackage: give either ModelPackageGroupName (versioned) or ModelPackageName (unversioned), not both.',
          );
        }
        if (input.ModelPackageGroupName) return this.createVersioned(input);
        const name = requireString(input, 'ModelPackageName', 'CreateModelPackage');
        const arn = ctx.arn('model-package', name);
        await this.packages.update(name, (current) => {
          if (current) throw validationException(`Model package ${arn} already exists.`);
          return { ...this.packageRecord(input), ModelPackageName: name, ModelPackageArn: arn };
        });
        return { $metadata: metadata(200), ModelPackageArn: arn };
      },
      DescribeModelPackage: async (input: Rec) => {
        const pkg = await this.describePackage(requireString(input, 'ModelPackageName', 'DescribeModelPackage'));
        const { ClientToken: _token, ...rest } = pkg;
        return { $metadata: metadata(200), ...revive(rest) };
      },
      ListModelPackages: async (input: Rec) => {
        let packages = await this.packages.list();
        if (input.ModelPackageGroupName) {
          const group = await this.findGroup(input.ModelPackageGroupName);
          packages = packages.filter((p) => p.ModelPackageGroupName === group.ModelPackageGroupName);
        } else {
          const type = input.ModelPackageType ?? 'Unversioned';
          if (type === 'Versioned') packages = packages.filter((p) => p.ModelPackageVersion !== undefined);
          if (type === 'Unversioned') packages = packages.filter((p) => p.ModelPackageVersion === undefined);
        }
        if (input.ModelApprovalStatus)
          packages = packages.filter((p) => p.ModelApprovalStatus === input.ModelApprovalStatus);
        if (input.NameContains)
          packages = packages.filter((p) => String(p.ModelPackageName).includes(input.NameContains));
        const sorted = sortItems(timeFilter(packages, input), input, 'ModelPackageName', 'CreationTime', 'Ascending');
        const { page, NextToken } = paginate(sorted, input);
        return {
          $metadata: metadata(200),
          ModelPackageSummaryList: revive(
            page.map((p) => ({
              ModelPackageName: p.ModelPackageName,
              ModelPackageGroupName: p.ModelPackageGroupName,
              ModelPackageVersion: p.ModelPackageVersion,
              ModelPackageArn: p.ModelPackageArn,
              ModelPackageDescription: p.ModelPackageDescription,
              CreationTime: p.CreationTime,
              ModelPackageStatus: p.ModelPackageStatus,
              ModelApprovalStatus: p.ModelApprovalStatus,
            })),
          ),
          ...(NextToken ? { NextToken } : {}),
        };
      },
      UpdateModelPackage: async (input: Rec) => {
        const arn = requireString(input, 'ModelPackageArn', 'UpdateModelPackage');
        if (input.ModelApprovalStatus !== undefined && !APPROVAL.includes(input.ModelApprovalStatus)) {
          throw validationException(
            `UpdateModelPackage: ModelApprovalStatus "${input.ModelApprovalStatus}" must be one of ${APPROVAL.join(', ')}.`,
          );
        }
        const found = await this.describePackage(arn);
        const id = packageId(found);
        await this.packages.update(id, (current) => {
          const pkg = { ...(current ?? found) };
          if (input.ModelApprovalStatus) pkg.ModelApprovalStatus = input.ModelApprovalStatus;
          if (input.ApprovalDescription !== undefined) pkg.ApprovalDescription = input.ApprovalDescription;
          if (input.CustomerMetadataProperties || input.CustomerMetadataPropertiesToRemove) {
            const props = { ...(pkg.CustomerMetadataProperties ?? {}), ...(input.CustomerMetadataProperties ?? {}) };
            for (const key of input.CustomerMetadataPropertiesToRemove ?? []) delete props[key];
            pkg.CustomerMetadataProperties = props;
          }
          for (const field of [
            'InferenceSpecification',
            'AdditionalInferenceSpecificationsToAdd',
            'SourceUri',
            'ModelCard',
            'ModelLifeCycle',
          ]) {
            if (input[field] !== undefined) pkg[field] = input[field];
          }
          pkg.LastModifiedTime = now();
          pkg.LastModifiedBy = {};
          return pkg;
        });
        return { $metadata: metadata(200), ModelPackageArn: found.ModelPackageArn };
      },
      DeleteModelPackage: async (input: Rec) => {
        const found = await this.describePackage(requireString(input, 'ModelPackageName', 'DeleteModelPackage'));
        await this.packages.delete(packageId(found));
        return { $metadata: metadata(200) };
      },
    };
  }

  private async findGroup(nameOrArn: string): Promise<Rec> {
    const name = nameOrArn.replace(/^arn:.*:model-package-group\//, '');
    const group =
      (await this.groups.get(name)) ??
      (await this.groups.list()).find((g) => String(g.ModelPackageGroupName).toLowerCase() === name.toLowerCase());
    if (!group)
      throw new ResourceNotFound({
        $metadata: metadata(400),
        message: `Model Package Group ${nameOrArn} does not exist.`,
      });
    return group;
  }

  private packageRecord(input: Rec): Rec {
    const { ClientToken, ...rest } = input;
    const time = now();
    return {
      ...rest,
      ...(ClientToken ? { ClientToken } : {}),
      ModelPackageStatus: 'Completed',
      ModelPackageStatusDetails: { ValidationStatuses: [], ImageScanStatuses: [] },
      CertifyForMarketplace: input.CertifyForMarketplace ?? false,
      CreationTime: time,
      LastModifiedTime: time,
      CreatedBy: {},
    };
  }

  private async createVersioned(input: Rec): Promise<Record<string, unknown>> {
    const group = await this.findGroup(input.ModelPackageGroupName).catch(() => {
      throw validationException(
        `CreateModelPackage: model package group "${input.ModelPackageGroupName}" does not exist; create it with CreateModelPackageGroup first.`,
      );
    });
    const groupName = group.ModelPackageGroupName as string;
    // Version numbers must be unique across processes too: number and store under the group's lock file.
    return withFileLock(join(this.ctx.stateDir, 'locks', 'registry', `${groupName}.lock`), async () => {
      const members = (await this.packages.list()).filter((p) => p.ModelPackageGroupName === groupName);
      if (input.ClientToken) {
        const same = members.find((p) => p.ClientToken === input.ClientToken);
        if (same) return { $metadata: metadata(200), ModelPackageArn: same.ModelPackageArn };
      }
      const version = members.reduce((max, p) => Math.max(max, Number(p.ModelPackageVersion)), 0) + 1;
      const arn = this.ctx.arn('model-package', `${groupName}/${version}`);
      const record = {
        ...this.packageRecord(input),
        ModelPackageName: groupName,
        ModelPackageGroupName: groupName,
        ModelPackageVersion: version,
        ModelPackageArn: arn,
        ModelApprovalStatus: input.ModelApprovalStatus ?? 'PendingManualApproval',
      };
      await this.packages.put(`${groupName}/${version}`, record);
      return { $metadata: metadata(200), ModelPackageArn: arn };
    });
  }
}

function packageId(pkg: Rec): string {
  return pkg.ModelPackageVersion !== undefined
    ? `${pkg.ModelPackageGroupName}/${pkg.ModelPackageVersion}`
    : (pkg.ModelPackageName as string);
}
