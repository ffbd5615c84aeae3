/**
 * A Runtime that forwards every call to a real engine, or, while `down` is set, to a runtime
 * of the same kind whose engine does not answer: a machine's engine that stops answering and
 * comes back, for tests of what the hub decides meanwhile, without stopping a shared engine.
 */
import type {
  CommitOptions,
  ContainerEvent,
  ContainerInfo,
  ContainerSpec,
  ContainerStats,
  EngineInfo,
  EventQuery,
  ExecProcess,
  ExecSpec,
  ImageInfo,
  Job,
  JobResult,
  LocalImage,
  PullProgress,
  RegistryCredentials,
  Runtime,
} from '../../src/runtime/types.js';

export class SwitchableRuntime implements Runtime {
  down = false;

  constructor(
    private readonly up: Runtime,
    private readonly unreachable: Runtime,
  ) {}

  private get now(): Runtime {
    return this.down ? this.unreachable : this.up;
  }

  info(): Promise<EngineInfo> {
    return this.now.info();
  }
  inspectImage(ref: string): Promise<ImageInfo | null> {
    return this.now.inspectImage(ref);
  }
  pullImage(ref: string, onProgress: (p: PullProgress) => void, signal?: AbortSignal, credentials?: RegistryCredentials): Promise<void> {
    return this.now.pullImage(ref, onProgress, signal, credentials);
  }
  commit(id: string, options: CommitOptions): Promise<ImageInfo> {
    return this.now.commit(id, options);
  }
  pushImage(ref: string, onProgress: (p: PullProgress) => void, signal?: AbortSignal, credentials?: RegistryCredentials): Promise<void> {
    return this.now.pushImage(ref, onProgress, signal, credentials);
  }
  removeImage(ref: string): Promise<void> {
    return this.now.removeImage(ref);
  }
  create(spec: ContainerSpec): Promise<string> {
    return this.now.create(spec);
  }
  start(id: string): Promise<ContainerInfo> {
    return this.now.start(id);
  }
  inspect(id: string): Promise<ContainerInfo | null> {
    return this.now.inspect(id);
  }
  stop(id: string, timeoutSeconds: number): Promise<void> {
    return this.now.stop(id, timeoutSeconds);
  }
  remove(id: string): Promise<void> {
    return this.now.remove(id);
  }
  exec(id: string, spec: ExecSpec): Promise<ExecProcess> {
    return this.now.exec(id, spec);
  }
  list(labels: Record<string, string>): Promise<ContainerInfo[]> {
    return this.now.list(labels);
  }
  logs(id: string, lines: number): Promise<string> {
    return this.now.logs(id, lines);
  }
  runJob(job: Job): Promise<JobResult> {
    return this.now.runJob(job);
  }
  stats(id: string): Promise<ContainerStats | null> {
    return this.now.stats(id);
  }
  events(query: EventQuery): AsyncIterable<ContainerEvent> {
    return this.now.events(query);
  }
  listImages(): Promise<LocalImage[]> {
    return this.now.listImages();
  }
}
