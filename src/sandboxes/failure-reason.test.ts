import { describe, expect, it } from 'vitest';
import { RuntimeError } from '../runtime/types.js';
import { failureReason } from './failure-reason.js';
import { NotReadyError } from './readiness.js';

const subject = { imageRef: 'shiva/notebook:latest', machine: 'gpu-1' };
/** Words only the engine, runc or a library would use. */
const ENGINE_WORDS = /runc|OCI|dial tcp|daemon|Error response|NanoCpus|cgroup|HTTP code|ECONN|\/var\/lib/i;

describe('the reason a failed launch gives', () => {
  it.each([
    new RuntimeError('failed', 'OCI runtime create failed: runc create failed: unable to start container process: cpu.cfs_quota_us: invalid argument'),
    new RuntimeError('failed', 'Range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available'),
    new RuntimeError('conflict', 'Conflict. The container name "/x" is already in use by container "abc"'),
    new RuntimeError('not_found', 'No such container: abc'),
    new RuntimeError('image_not_found', 'the image x could not be pulled: Get "https://127.0.0.1:1/v2/": dial tcp 127.0.0.1:1: connect: connection refused'),
    new RuntimeError('unavailable', 'the Docker Engine at unix:///var/run/docker.sock does not answer: ssh: All configured authentication methods failed'),
    new Error("EACCES: permission denied, mkdir '/var/lib/shiva/homes/alice'"),
  ])('keeps the engine words of %s out of it', (err) => {
    const reason = failureReason(err, subject);
    expect(reason).not.toMatch(ENGINE_WORDS);
    expect(reason).not.toContain(err.message);
    expect(reason.endsWith('.')).toBe(true);
  });

  it('names the image and machine from the hub own records', () => {
    expect(failureReason(new RuntimeError('image_not_found', 'x'), subject)).toBe(
      'The image shiva/notebook:latest could not be found on gpu-1 nor pulled from its registry.',
    );
    expect(failureReason(new RuntimeError('unavailable', 'x'), subject)).toContain('gpu-1 does not answer');
  });

  it("quotes the hub's own words: plain engine errors and readiness timeouts", () => {
    expect(failureReason(new RuntimeError('failed', 'no NVIDIA runtime here', { plain: true }), subject)).toBe('The container engine refused: no NVIDIA runtime here.');
    expect(failureReason(new NotReadyError('the container exited with code 3'), subject)).toBe("The sandbox's server did not come up: the container exited with code 3.");
  });
});
