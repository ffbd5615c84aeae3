/** The Docker Engine runtime: what the rest of the hub imports from this folder. */
export { DockerRuntime, DEFAULT_ENGINE_TIMEOUT_MS, type DockerRuntimeOptions } from './docker-runtime.js';
export { DEFAULT_ENGINE_URL, parseEngineUrl, type EngineEndpoint, type EngineTls } from './engine-url.js';
export {
  NO_NVIDIA_RUNTIME_MESSAGE,
  classifyEngineError,
  isMissingNvidiaRuntime,
  noNvidiaRuntimeError,
} from './errors.js';
