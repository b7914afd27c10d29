/**
 * RETURNN's HDFDataset (returnn/datasets/hdf.py): files written by RETURNN's
 * SimpleHDFWriter / HDFDatasetWriter, read through h5wasm (HDF5 compiled to
 * WebAssembly; nothing to build, works offline).
 *
 *   {"class": "HDFDataset", "files": ["train.hdf", ...]}
 *
 * Layout: `inputs` holds all sequences concatenated in time ([ΣT, dim] dense,
 * or [ΣT] sparse with dim `inputPattSize`) and is the key `data`;
 * `seqLengths` [num_seqs, 1 + K] the lengths of the input and of the K target
 * keys in sorted order; `targets/data/<key>` the targets, concatenated;
 * `targets/size` attribute `<key>` = [dim, ndim] (ndim 1: sparse). Several
 * files are concatenated in the order given. Sequences are read on demand.
 *
 * h5wasm loads asynchronously: `prepareHdf(config)` (the train command calls
 * it) loads it when a config uses HDFDataset.
 */
import { closeSync, existsSync, fstatSync, openSync, readSync } from "node:fs";
import { ReproError } from "../util/errors.js";
import { checkOptions, type DataKey, type Dataset, registerDataset, type SeqValues } from "./dataset.js";

type H5 = typeof import("h5wasm/node");
type H5Dataset = InstanceType<H5["Dataset"]>;
type H5File = InstanceType<H5["File"]>;

let h5: H5 | null = null;

/** Loads h5wasm if `config` has an HDFDataset anywhere (train, dev, eval_datasets, ...). */
export async function prepareHdf(config: unknown): Promise<void> {
  if (h5 || !JSON.stringify(config ?? null).includes('"HDFDataset"')) return;
  const mod = (await import("h5wasm/node")).default as unknown as H5;
  await mod.ready;
  h5 = mod;
}

// Options RETURNN's HDFDataset takes that change nothing here.
const OPTIONS = ["cache_byte_size", "files", "use_cache_manager"];

interface Stream {
  key: DataKey;
  /** One dataset per file. */
  sources: H5Dataset[];
  /** Per file: the column of seqLengths. */
  column: number;
}

export class HdfDataset implements Dataset {
  readonly keys: readonly DataKey[];
  readonly sortKey: string;
  readonly numSeqs: number;
  private readonly streams: Stream[];
  /** Per sequence: file index, and per key its start and length. */
  private readonly index: { file: number; starts: number[]; lens: number[] }[] = [];

  constructor(
    paths: readonly string[],
    readonly where: string,
  ) {
    if (!h5) throw new Error("internal: HDFDataset used before prepareHdf(config)");
    const files = paths.map((p) => openFile(h5!, p, where));
    this.streams = streamsOf(files[0], paths[0], where);
    files.forEach((f, fi) => {
      const names = streamsOf(f, paths[fi], where).map((s) => `${s.key.name}:${s.key.dim}:${s.key.sparse}`);
      const want = this.streams.map((s) => `${s.key.name}:${s.key.dim}:${s.key.sparse}`);
      if (names.join() !== want.join())
        throw new ReproError(
          `${where}: ${paths[fi]} has keys ${names.join(", ")}, ${paths[0]} has ${want.join(", ")}`,
        );
      for (const s of this.streams) s.sources.push(f.get(datasetPath(s.key.name)) as H5Dataset);
      const lengths = seqLengths(f, paths[fi], this.streams.length, where);
      const starts = this.streams.map(() => 0);
      for (const row of lengths) {
        const lens = this.streams.map((s) => row[s.column]);
        this.index.push({ file: fi, starts: [...starts], lens });
        lens.forEach((l, k) => {
          starts[k] += l;
        });
      }
    });
    this.keys = this.streams.map((s) => s.key);
    this.sortKey = this.keys.some((k) => k.name === "data") ? "data" : this.keys[0].name;
    this.numSeqs = this.index.length;
  }

  get(i: number): SeqValues {
    const { file, starts, lens } = this.entry(i);
    const out: Record<string, Int32Array | Float32Array> = {};
    this.streams.forEach((s, k) => {
      const raw = s.sources[file].slice([[starts[k], starts[k] + lens[k]]]) as ArrayLike<number> | null;
      out[s.key.name] = s.key.sparse ? Int32Array.from(raw ?? []) : Float32Array.from(raw ?? []);
    });
    return out;
  }

  lengths(i: number): Readonly<Record<string, number>> {
    const { lens } = this.entry(i);
    return Object.fromEntries(this.streams.map((s, k) => [s.key.name, lens[k]]));
  }

  private entry(i: number) {
    if (!Number.isInteger(i) || i < 0 || i >= this.numSeqs)
      throw new RangeError(`${this.where}: sequence index ${i} out of range [0, ${this.numSeqs})`);
    return this.index[i];
  }
}

function openFile(lib: H5, path: string, where: string): H5File {
  if (!existsSync(path)) throw new ReproError(`${where}: no such HDF file ${path}`);
  // Checked here: HDF5 itself would print its error stack to stderr.
  if (!hasHdf5Signature(path)) throw new ReproError(`${where}: ${path} is not an HDF5 file`);
  let f: H5File;
  let keys: string[];
  try {
    f = new lib.File(path, "r");
    keys = f.keys();
  } catch (e) {
    throw new ReproError(`${where}: cannot read HDF file ${path} (${(e as Error).message})`);
  }
  if (!keys.includes("seqLengths"))
    throw new ReproError(`${where}: ${path} is not a RETURNN HDF file (no "seqLengths")`);
  return f;
}

const HDF5_SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The HDF5 superblock signature, at offset 0, 512, 1024, 2048, ... (HDF5 file format spec). */
function hasHdf5Signature(path: string): boolean {
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    const buf = Buffer.alloc(8);
    for (let at = 0; at + 8 <= size; at = at === 0 ? 512 : at * 2) {
      readSync(fd, buf, 0, 8, at);
      if (buf.equals(HDF5_SIGNATURE)) return true;
    }
    return false;
  } finally {
    closeSync(fd);
  }
}

const datasetPath = (key: string) => (key === "data" ? "inputs" : `targets/data/${key}`);

/** `data` from `inputs` (column 0), then the target keys in sorted order (columns 1..K), as RETURNN reads them. */
function streamsOf(f: H5File, path: string, where: string): Stream[] {
  const streams: Stream[] = [];
  const keys = f.keys();
  const hasInputs = keys.includes("inputs");
  if (hasInputs) {
    const inputs = f.get("inputs") as H5Dataset;
    const shape = inputs.shape ?? [];
    const sparse = shape.length === 1;
    const dim = sparse ? Number(f.attrs.inputPattSize?.value) : shape[1];
    if (shape.length > 2)
      throw new ReproError(`${where}: ${path}: inputs with ${shape.length} axes are not supported yet`);
    streams.push({ key: { name: "data", sparse, dim }, sources: [], column: 0 });
  }
  if (!keys.includes("targets")) return streams;
  const dataGroup = f.get("targets/data") as InstanceType<H5["Group"]>;
  const sizeGroup = f.get("targets/size") as InstanceType<H5["Group"]> | null;
  const sizes = sizeGroup?.attrs ?? {};
  const targetKeys = [...new Set([...dataGroup.keys(), ...Object.keys(sizes)])].sort();
  targetKeys.forEach((name, k) => {
    const ds = dataGroup.get(name) as H5Dataset | null;
    if (!ds)
      throw new ReproError(`${where}: ${path}: targets/size names "${name}", which has no targets/data`);
    const size = sizes[name]?.value as ArrayLike<number> | number | undefined;
    const shape = ds.shape ?? [];
    const [dim, ndim] =
      typeof size === "number"
        ? [size, shape.length]
        : size
          ? [Number(size[0]), Number(size[1])]
          : [shape[1] ?? 1, shape.length];
    if (ndim > 2)
      throw new ReproError(`${where}: ${path}: target "${name}" with ${ndim} axes is not supported yet`);
    streams.push({ key: { name, sparse: ndim === 1, dim }, sources: [], column: (hasInputs ? 1 : 0) + k });
  });
  return streams;
}

/** The seqLengths rows, checked against the number of streams. */
function seqLengths(f: H5File, path: string, nStreams: number, where: string): number[][] {
  const ds = f.get("seqLengths") as H5Dataset;
  const shape = ds.shape ?? [];
  const flat = Array.from((ds.value as ArrayLike<number>) ?? [], Number);
  if (shape.length === 1) return flat.map((l) => Array(nStreams + 1).fill(l));
  const cols = shape[1];
  if (shape.length !== 2 || cols < nStreams)
    throw new ReproError(
      `${where}: ${path}: seqLengths has shape [${shape}], expected [num_seqs, ${nStreams}+]`,
    );
  return Array.from({ length: shape[0] }, (_, r) => flat.slice(r * cols, (r + 1) * cols));
}

function parseFiles(opts: Record<string, unknown>, where: string): string[] {
  checkOptions(opts, OPTIONS, where);
  const files = typeof opts.files === "string" ? [opts.files] : opts.files;
  if (!Array.isArray(files) || files.length === 0 || !files.every((f) => typeof f === "string"))
    throw new ReproError(
      `${where}: option "files" must be a list of HDF file paths, got ${JSON.stringify(opts.files)}`,
    );
  return files as string[];
}

registerDataset("HDFDataset", (opts, where) => new HdfDataset(parseFiles(opts, where), where));
