import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideCompositing, findingFromGpu, isSoftwareGl, parseFinding } from './gpu-policy';

test("software compositing: explicit choice first, then the last start's finding, then Linux without a GPU device", () => {
  const base = { env: undefined, remembered: null, hardwareGpuNode: true };
  assert.equal(decideCompositing(base).software, false);
  assert.equal(decideCompositing({ ...base, hardwareGpuNode: false }).software, true);
  assert.equal(decideCompositing({ ...base, hardwareGpuNode: null }).software, false, 'not checked (not Linux): Chromium decides');
  assert.equal(decideCompositing({ ...base, remembered: { softwareGl: true, renderer: 'llvmpipe (LLVM 15.0.6, 256 bits)' } }).software, true);
  assert.equal(decideCompositing({ ...base, remembered: { softwareGl: false, renderer: 'NVIDIA RTX A2000' } }).software, false);
  assert.equal(decideCompositing({ ...base, hardwareGpuNode: false, env: 'gpu' }).software, false, 'explicit gpu wins');
  assert.equal(decideCompositing({ ...base, env: ' Software ' }).software, true);
});

test('the finding: a software GL that composites is remembered; software compositing already, or a hardware GL, is not', () => {
  const swiftshader = { auxAttributes: { glRenderer: 'ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)' } };
  assert.deepEqual(findingFromGpu({ gpu_compositing: 'enabled' }, swiftshader), { softwareGl: true, renderer: swiftshader.auxAttributes.glRenderer });
  assert.equal(findingFromGpu({ gpu_compositing: 'disabled_software' }, swiftshader)!.softwareGl, false);
  assert.equal(
    findingFromGpu({ gpu_compositing: 'disabled_software' }, swiftshader, true)!.softwareGl,
    true,
    'switched off by us: still a software GL (no flip-flop)',
  );
  assert.equal(
    findingFromGpu({ gpu_compositing: 'disabled_software' }, { auxAttributes: { glRenderer: 'AMD Radeon Pro W6600' } }, true)!.softwareGl,
    false,
    'a GPU appeared: GPU compositing next start',
  );
  assert.equal(findingFromGpu({ gpu_compositing: 'enabled' }, { auxAttributes: { glRenderer: 'ANGLE (NVIDIA, NVIDIA GeForce RTX 3060)' } })!.softwareGl, false);
  assert.equal(findingFromGpu({ gpu_compositing: 'enabled' }, {}), null);
  assert.equal(findingFromGpu(null, 'junk'), null);
  assert.ok(isSoftwareGl('Microsoft Basic Render Driver') && isSoftwareGl('llvmpipe') && !isSoftwareGl('Mesa Intel(R) UHD Graphics 620'));
});

test('a remembered finding is read strictly', () => {
  assert.deepEqual(parseFinding('{"softwareGl":true,"renderer":"llvmpipe"}'), { softwareGl: true, renderer: 'llvmpipe' });
  for (const bad of ['', 'null', '[]', '{"softwareGl":"yes","renderer":"x"}', '{"softwareGl":true}', '{']) assert.equal(parseFinding(bad), null, bad);
});
