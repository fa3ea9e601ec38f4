import {
  CreateModelCommand,
  DescribeModelCommand,
  type DescribeModelCommandOutput,
  DeleteModelCommand,
  ListModelsCommand,
  CreateModelPackageGroupCommand,
  DescribeModelPackageGroupCommand,
  type DescribeModelPackageGroupCommandOutput,
  ListModelPackageGroupsCommand,
  DeleteModelPackageGroupCommand,
  CreateModelPackageCommand,
  type CreateModelPackageCommandOutput,
  DescribeModelPackageCommand,
  type DescribeModelPackageCommandOutput,
  ListModelPackagesCommand,
  UpdateModelPackageCommand,
  DeleteModelPackageCommand,
} from '@aws-sdk/client-sagemaker';
import { join } from 'node:path';
import { ResourceNotFound } from '@aws-sdk/client-sagemaker';
import type { CommandTable } from './dispatch.js';
import type { LocalContext } from './context.js';
import { metadata, validationException } from './errors.js';
import { withFileLock } from './fsutil.js';
import { now, paginate, requireString, sortItems, timeFilter } from './listing.js';
import { described, ResourceStore, revive } from './store.js';
import type { Rec } from './untyped.js';

const APPROVAL = ['Approved', 'Rejected', 'PendingManualApproval'];

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

  register(table: CommandTable): void {
    const ctx = this.ctx;
    table.on(CreateModelCommand, async (input) => {
      const name = requireString(input, 'ModelName', 'CreateModel');
      if (!input.PrimaryContainer && !input.Containers)
        throw validationException('CreateModel: give PrimaryContainer or Containers.');
      const containers: Rec[] = input.PrimaryContainer ? [input.PrimaryContainer] : (input.Containers ?? []);
      for (const [i, container] of containers.entries()) {
        if (!container.Image && !container.ModelPackageName) {
          throw validationException(`CreateModel ${name}: container ${i} needs Image (or ModelPackageName).`);
        }
        if (container.ModelPackageName && !(await this.findPackage(container.ModelPackageName))) {
          throw validationException(`CreateModel ${name}: model package ${container.ModelPackageName} does not exist.`);
        }
      }
      const arn = ctx.arn('model', name);
      const created = await this.models.update(name, (current) => {
        if (current) throw validationException(`Cannot create already existing model "${arn}".`);
        return { ...input, ModelArn: arn, CreationTime: now() };
      });
      return { $metadata: metadata(200), ModelArn: created.ModelArn };
    });
    table.on(DescribeModelCommand, async (input) =>
      described<DescribeModelCommandOutput>(
        await this.describeModel(requireString(input, 'ModelName', 'DescribeModel')),
      ),
    );
    table.on(DeleteModelCommand, async (input) => {
      await this.describeModel(requireString(input, 'ModelName', 'DeleteModel'));
      await this.models.delete(input.ModelName as string);
      return { $metadata: metadata(200) };
    });
    table.on(ListModelsCommand, async (input) => {
      let models = await this.models.list();
      if (input.NameContains) models = models.filter((m) => String(m.ModelName).includes(input.NameContains ?? ''));
      const { page, NextToken } = paginate(sortItems(timeFilter(models, input), input, 'ModelName'), input);
      return {
        $metadata: metadata(200),
        Models: revive(
          page.map((m) => ({ ModelName: m.ModelName, ModelArn: m.ModelArn, CreationTime: m.CreationTime })),
        ),
        ...(NextToken ? { NextToken } : {}),
      };
    });

    table.on(CreateModelPackageGroupCommand, async (input) => {
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
    });
    table.on(DescribeModelPackageGroupCommand, async (input) => {
      const group = await this.findGroup(requireString(input, 'ModelPackageGroupName', 'DescribeModelPackageGroup'));
      return described<DescribeModelPackageGroupCommandOutput>(group);
    });
    table.on(ListModelPackageGroupsCommand, async (input) => {
      let groups = await this.groups.list();
      if (input.NameContains)
        groups = groups.filter((g) => String(g.ModelPackageGroupName).includes(input.NameContains ?? ''));
      const { page, NextToken } = paginate(sortItems(timeFilter(groups, input), input, 'ModelPackageGroupName'), input);
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
    });
    table.on(DeleteModelPackageGroupCommand, async (input) => {
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
    });

    table.on(CreateModelPackageCommand, async (input) => {
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
    });
    table.on(DescribeModelPackageCommand, async (input) => {
      const pkg = await this.describePackage(requireString(input, 'ModelPackageName', 'DescribeModelPackage'));
      const { ClientToken: _token, ...rest } = pkg;
      return described<DescribeModelPackageCommandOutput>(rest);
    });
    table.on(ListModelPackagesCommand, async (input) => {
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
        packages = packages.filter((p) => String(p.ModelPackageName).includes(input.NameContains ?? ''));
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
    });
    table.on(UpdateModelPackageCommand, async (input) => {
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
          const value = (input as Rec)[field];
          if (value !== undefined) pkg[field] = value;
        }
        pkg.LastModifiedTime = now();
        pkg.LastModifiedBy = {};
        return pkg;
      });
      return { $metadata: metadata(200), ModelPackageArn: found.ModelPackageArn };
    });
    table.on(DeleteModelPackageCommand, async (input) => {
      const found = await this.describePackage(requireString(input, 'ModelPackageName', 'DeleteModelPackage'));
      await this.packages.delete(packageId(found));
      return { $metadata: metadata(200) };
    });
  }

  private async findGroup(nameOrArn: string | undefined = ''): Promise<Rec> {
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

  private async createVersioned(input: Rec): Promise<CreateModelPackageCommandOutput> {
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
