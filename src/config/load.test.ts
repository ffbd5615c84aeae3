import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { registryClientOf } from '../registry/from-config.js';
import { ConfigError, loadConfig, parseConfig, publicUrl } from './load.js';

const env = {} as NodeJS.ProcessEnv;

describe('configuration', () => {
  it('works with nothing at all: loopback port 8000, ./data, the local engine, the notebook image', () => {
    const config = parseConfig({}, env);
    expect(config.hub).toMatchObject({ host: '127.0.0.1', port: 8000 });
    expect(config.dataDir).toBe(path.resolve('data'));
    expect(config.homes.root).toBe(path.resolve('data/homes'));
    expect(config.machines).toMatchObject([{ name: 'local', docker: 'unix:///var/run/docker.sock', address: '127.0.0.2', gpus: { mode: 'deviceRequests', source: 'auto' } }]);
    expect(config.scheduler).toEqual({ policy: 'pack', cpuOvercommit: 1 });
    expect(config.storage.minFreePercent).toBe(5);
    expect(config.images.default).toBe('notebook');
    expect(publicUrl(config)).toBe('http://127.0.0.1:8000');
    expect(Object.isFrozen(config.sandboxes.limits)).toBe(true);
  });

  it('takes DOCKER_HOST and SHIVA_DATA_DIR from the environment', () => {
    const config = parseConfig({}, { DOCKER_HOST: 'tcp://10.0.0.5:2376', SHIVA_DATA_DIR: '/srv/shiva' });
    expect(config.machines[0]!.docker).toBe('tcp://10.0.0.5:2376');
    expect(config.dataDir).toBe('/srv/shiva');
    expect(config.homes.root).toBe('/srv/shiva/homes');
  });

  it('rejects unknown keys and bad values, naming the key path', () => {
    const bad: Array<[Record<string, unknown>, RegExp]> = [
      [{ hub: { prot: 80 } }, /hub\.prot/],
      [{ hub: { port: 'eighty' } }, /hub\.port/],
      [{ sandboxes: { limits: { cpus: -1 } } }, /sandboxes\.limits\.cpus/],
      // Below Docker's minimum of 0.01 CPU, or 0 once in NanoCpus: no CPU limit at all.
      [{ sandboxes: { defaults: { cpus: 0.004 } } }, /sandboxes\.defaults\.cpus: .*0\.01/],
      [{ sandboxes: { defaults: { cpus: 1e-10 } } }, /sandboxes\.defaults\.cpus/],
      [{ sandboxes: { limits: { cpus: 0.001 } } }, /sandboxes\.limits\.cpus/],
      [{ sandboxes: { defaults: { memoryGiB: 1e-12 } } }, /sandboxes\.defaults\.memoryGiB: .*0\.125/],
      // A request of nothing would be Docker's default weight, and one above the limit is never used.
      [{ sandboxes: { defaults: { cpuRequestFraction: 0 } } }, /sandboxes\.defaults\.cpuRequestFraction/],
      [{ sandboxes: { defaults: { cpuRequestFraction: 1.5 } } }, /sandboxes\.defaults\.cpuRequestFraction/],
      [{ storage: { minFreePercent: -1 } }, /storage\.minFreePercent/],
      [{ storage: { minFreePercent: 101 } }, /storage\.minFreePercent/],
      [{ storage: { minFreePercent: 'five' } }, /storage\.minFreePercent/],
      [{ typo: true }, /typo/],
      [{ homes: { check: 'sometimes' } }, /homes\.check/],
      [{ homes: { checkIntervalSeconds: 0 } }, /homes\.checkIntervalSeconds/],
      [{ homes: { checkIntervalSeconds: 'often' } }, /homes\.checkIntervalSeconds/],
      [{ machines: [{ name: 'Bad Name', docker: 'unix:///x' }] }, /machines\.0\.name/],
      [{ images: { default: 'x', catalogue: [{ name: 'a', image: 'a:1' }] } }, /images\.default names x/],
      [{ images: { catalogue: [{ name: 'a', image: 'a:1' }, { name: 'a', image: 'b:1' }] } }, /the name a twice/],
      [{ sandboxes: { defaults: { cpus: 16 } } }, /defaults\.cpus is above/],
      [{ sandboxes: { network: 'a-network-name-longer-than-an-interface' } }, /sandboxes\.network/],
      [{ machines: [{ name: 'a', docker: 'unix:///x', bridge: 'Bad Bridge' }] }, /machines\.0\.bridge/],
      [
        { machines: [{ name: 'a', docker: 'unix:///x' }, { name: 'b', docker: 'unix:///y' }] },
        /machines\.b\.bridge: the engines of a and b are both on this host and cannot both name their sandbox bridge shiva-sandboxes/,
      ],
    ];
    for (const [input, message] of bad) {
      expect(() => parseConfig(input, env), JSON.stringify(input)).toThrow(ConfigError);
      expect(() => parseConfig(input, env)).toThrow(message);
    }
  });

  it('lets machines on one engine share its sandbox bridge, and engines on this host each have their own', () => {
    const sameEngine = parseConfig({ machines: [{ name: 'a', docker: 'unix:///x' }, { name: 'b', docker: 'unix:///x' }] }, env);
    expect(sameEngine.machines.map((m) => m.bridge)).toEqual([undefined, undefined]);
    const twoEngines = parseConfig({ machines: [{ name: 'a', docker: 'unix:///x' }, { name: 'b', docker: 'unix:///y', bridge: 'shiva-sbx-b' }] }, env);
    expect(twoEngines.machines[1]!.bridge).toBe('shiva-sbx-b');
  });

  it('reads YAML from the file named by SHIVA_CONFIG, defaulting the image to the first of the catalogue', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'shiva-config-'));
    const file = path.join(dir, 'shiva.yaml');
    writeFileSync(file, 'hub:\n  port: 9000\n  publicUrl: https://shiva.example.org/\nimages:\n  catalogue:\n    - {name: torch, image: "corp/torch:2"}\n');
    const config = loadConfig({ env: { SHIVA_CONFIG: file } });
    expect(config.hub.port).toBe(9000);
    expect(config.images.default).toBe('torch');
    expect(publicUrl(config)).toBe('https://shiva.example.org');
    writeFileSync(file, 'hub: [unclosed');
    expect(() => loadConfig({ env: { SHIVA_CONFIG: file } })).toThrow(ConfigError);
    expect(() => loadConfig({ file: path.join(dir, 'missing.yaml'), env })).toThrow(/cannot read .*ENOENT/);
  });

  it('refuses machine settings that cannot work, naming the machine', () => {
    const gpu = (gpus: Record<string, unknown>, extra: Record<string, unknown> = {}) => () =>
      parseConfig({ machines: [{ name: 'gpu1', docker: 'tcp://gpu1:2376', gpus, ...extra }] }, env);
    expect(gpu({ static: [{ index: 0, uuid: 'GPU-a' }, { index: 0, uuid: 'GPU-b' }] })).toThrow('machines.gpu1.gpus.static lists GPU GPU-b (index 0) twice');
    expect(gpu({ source: 'static' })).toThrow('gpus.source is static but gpus.static lists no GPU');
    expect(gpu({ source: 'prometheus' })).toThrow('gpus.source is prometheus but prometheus.url');
    expect(gpu({}, { prometheus: { instance: 'gpu1:9100' } })).toThrow('machines.gpu1.prometheus needs the top-level prometheus.url');
    expect(() => parseConfig({ machines: [{ name: 'far', docker: 'ssh://ops@far' }] }, env)).toThrow('machines.far.ssh.hostKey is required for an ssh:// engine');
    expect(() => parseConfig({ machines: [{ name: 'near', docker: 'unix:///var/run/docker.sock', ssh: { hostKey: `SHA256:${'a'.repeat(43)}` } }] }, env)).toThrow('machines.near.ssh applies to ssh:// engines only');
    expect(() => parseConfig({ machines: [{ name: 'far', docker: 'ssh://far', ssh: { hostKey: 'MD5:aa' } }] }, env)).toThrow(/machines\.0\.ssh\.hostKey/);
    expect(() => parseConfig({}, { DOCKER_HOST: 'ssh://ops@far' })).toThrow('this machine comes from DOCKER_HOST');
    expect(() => parseConfig({ dataDir: '/srv/shiva', machines: [{ name: 'g', docker: 'unix:///var/run/docker.sock', gpus: { driverLibraries: ['/srv'] } }] }, env)).toThrow(
      'machines.g.gpus.driverLibraries: /srv overlaps dataDir (/srv/shiva)',
    );
    expect(() => parseConfig({ dataDir: '/srv/shiva', machines: [{ name: 'g', docker: 'unix:///var/run/docker.sock', gpus: { driverLibraries: ['/srv/shiva/homes/alice'] } }] }, env)).toThrow(
      'overlaps dataDir',
    );
    expect(() => parseConfig({ machines: [{ name: 'g', docker: 'unix:///var/run/docker.sock', gpus: { driverLibraries: ['/usr/lib/x86_64-linux-gnu/libcuda.so.1'] } }] }, env)).not.toThrow();
    expect(gpu({ mode: 'mig' })).toThrow(/machines\.0\.gpus\.mode/);
    expect(() => parseConfig({ scheduler: { policy: 'random' } }, env)).toThrow(/scheduler\.policy/);
    expect(() => parseConfig({ scheduler: { cpuOvercommit: 0.5 } }, env)).toThrow(/scheduler\.cpuOvercommit/);
  });

  it('takes a sandbox domain beside the hub, and refuses one that holds the hub or is not a DNS name', () => {
    const beside = parseConfig({ hub: { publicUrl: 'https://hub.example.com', sandboxDomain: 'sandboxes.example.net' } }, env);
    expect(beside.hub.sandboxDomain).toBe('sandboxes.example.net');
    expect(() => parseConfig({ hub: { publicUrl: 'https://hub.example.com', sandboxDomain: 'example.com' } }, env)).toThrow(/hub\.sandboxDomain .*hub\.example\.com/);
    for (const bad of ['localhost', 'Sandboxes.example.com', '*.example.com', 'example.com:8443', 'example.com.', '-x.example.com']) {
      expect(() => parseConfig({ hub: { sandboxDomain: bad } }, env)).toThrow(/hub\.sandboxDomain/);
    }
    expect(parseConfig({}, env).sandboxes.adminAccess).toBe(false);
  });

  it("takes the team's registry with its password from the environment, and refuses credentials half given or a variable not set", () => {
    expect(parseConfig({}, env).registry).toBeUndefined();
    const open = parseConfig({ registry: { url: 'http://127.0.0.1:5000' } }, env).registry;
    expect(open).toEqual({ url: 'http://127.0.0.1:5000', insecure: false, prefix: 'shiva/', refreshSeconds: 300 });
    const withCredentials = { registry: { url: 'https://registry.example', username: 'shiva', passwordEnv: 'SHIVA_REGISTRY_PASSWORD' } };
    const config = parseConfig(withCredentials, { SHIVA_REGISTRY_PASSWORD: 'pw' });
    // The password itself stays out of the configuration.
    expect(JSON.stringify(config)).not.toContain('pw"');
    expect(registryClientOf(config, { SHIVA_REGISTRY_PASSWORD: 'pw' })).not.toBeNull();
    expect(registryClientOf(parseConfig({}, env), env)).toBeNull();
    expect(() => parseConfig(withCredentials, env)).toThrow('configuration key registry.passwordEnv names SHIVA_REGISTRY_PASSWORD, which is not set');
    expect(() => parseConfig({ registry: { url: 'https://r.example', username: 'shiva' } }, env)).toThrow('registry.username and registry.passwordEnv go together');
    expect(() => parseConfig({ registry: { url: 'ftp://r.example' } }, env)).toThrow('configuration key registry.url');
    // Credentials come from username and passwordEnv, never from the url, which is shown and logged.
    expect(() => parseConfig({ registry: { url: 'https://shiva:pw@r.example' } }, env)).toThrow('configuration key registry.url');
    expect(() => parseConfig({ registry: { url: 'https://r.example/v2/' } }, env)).toThrow('configuration key registry.url');
    expect(() => parseConfig({ registry: { url: 'https://r.example', prefix: 'Shiva' } }, env)).toThrow('configuration key registry.prefix');
    expect(() => parseConfig({ registry: { url: 'https://r.example', password: 'x' } }, env)).toThrow('configuration key registry');
  });

  it('loads the example of docs/configuration.md as written, so the documented keys are the real ones', () => {
    const doc = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
    const yaml = /```yaml\n([\s\S]*?)```/.exec(doc)![1]!;
    const dir = mkdtempSync(path.join(os.tmpdir(), 'shiva-config-doc-'));
    writeFileSync(path.join(dir, 'shiva.yaml'), yaml);
    const config = loadConfig({ file: path.join(dir, 'shiva.yaml'), env });
    expect(config.machines[0]).toMatchObject({ name: 'local', gpus: { mode: 'deviceRequests' } });
    expect(config.scheduler.policy).toBe('pack');
    expect(config.auth.oidc?.preset).toBe('google');
  });

  it('pre-pulls no image and runs two pulls per machine at once unless told otherwise', () => {
    const config = parseConfig({ images: { catalogue: [{ name: 'ml', image: 'shiva/ml:1' }, { name: 'base', image: 'shiva/base:1', prePull: true }] } }, env);
    expect(config.images.catalogue.map((i) => [i.name, i.prePull])).toEqual([['ml', false], ['base', true]]);
    expect(config.images.pullConcurrency).toBe(2);
    expect(parseConfig({}, env).images.pullConcurrency).toBe(2);
    expect(() => parseConfig({ images: { catalogue: [{ name: 'ml', image: 'x' }], pullConcurrency: 0 } }, env)).toThrow(/^configuration key images\.pullConcurrency: /);
  });

  it('gives users uids from 20000 to 59999 unless told otherwise, and refuses ranges that reach system ids, naming the key', () => {
    expect(parseConfig({}, env).identity).toEqual({ firstUid: 20000, lastUid: 59999 });
    expect(parseConfig({ identity: { firstUid: 100000, lastUid: 199999 } }, env).identity).toEqual({ firstUid: 100000, lastUid: 199999 });
    const bad: Array<[Record<string, unknown>, RegExp]> = [
      [{ identity: { firstUid: 500 } }, /^configuration key identity\.firstUid: /],
      [{ identity: { firstUid: 0, lastUid: 10 } }, /^configuration key identity\.firstUid: /],
      [{ identity: { firstUid: 30000, lastUid: 20000 } }, /^configuration key identity\.lastUid 20000 is below identity\.firstUid 30000/],
      [{ identity: { firstUid: 60000, lastUid: 70000 } }, /contains 65534/],
      [{ identity: { firstUid: 20000.5 } }, /^configuration key identity\.firstUid: /],
      [{ identity: { first: 20000 } }, /^configuration key identity\.first: /],
      [{ auth: { oidc: { issuer: 'https://idp.example', clientId: 'c', gidClaim: 'gidNumber' } } }, /auth\.oidc\.gidClaim needs auth\.oidc\.uidClaim/],
      [{ auth: { oidc: { issuer: 'https://idp.example', clientId: 'c', uidClaim: '' } } }, /^configuration key auth\.oidc\.uidClaim: /],
      [{ images: { catalogue: [{ name: 'n', image: 'x', sudo: 'yes' }] } }, /^configuration key images\.catalogue\.0\.sudo: /],
    ];
    for (const [input, message] of bad) {
      expect(() => parseConfig(input, env), JSON.stringify(input)).toThrow(message);
      expect(() => parseConfig(input, env)).toThrow(ConfigError);
    }
  });

  it('still loads an image entry with the old uid key (now ignored), and keeps sudo off unless an entry asks', () => {
    const config = parseConfig(
      { images: { catalogue: [{ name: 'old', image: 'x:1', uid: 1000 }, { name: 'root-able', image: 'shiva/notebook-sudo:latest', sudo: true }] } },
      env,
    );
    expect(config.images.catalogue.map((e) => [e.name, e.sudo])).toEqual([['old', false], ['root-able', true]]);
    expect(parseConfig({}, env).images.catalogue[0]!.sudo).toBe(false);
  });
});
