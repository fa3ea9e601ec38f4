/** Shape of the generated image data (see scripts/generate-pytorch-image-uris.py). */
export interface PyTorchImageVersion {
  readonly repository: string;
  readonly pyVersions: readonly string[];
  /** Index into `PyTorchImageData.registries`: the ECR account per region. */
  readonly registries: number;
  /** Extra tag component per processor (the Graviton images carry an OS version, e.g. `ubuntu20.04`). */
  readonly containerVersion?: Readonly<Record<string, string>>;
}

export interface PyTorchImageScopeData {
  readonly processors: readonly string[];
  readonly versionAliases: Readonly<Record<string, string>>;
  readonly versions: Readonly<Record<string, PyTorchImageVersion>>;
}

export interface PyTorchImageData {
  readonly source: string;
  readonly ecrHostnames: Readonly<Record<string, string>>;
  readonly registries: ReadonlyArray<Readonly<Record<string, string>>>;
  readonly scopes: {
    readonly training: PyTorchImageScopeData;
    readonly inference: PyTorchImageScopeData;
    readonly inference_graviton: PyTorchImageScopeData;
  };
}
