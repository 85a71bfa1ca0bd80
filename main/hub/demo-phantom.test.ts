import { test } from 'node:test';
import assert from 'node:assert/strict';
import { demoPhantom, demoPhantomAsync, demoFiducialPairs } from './demo-phantom';
import { PHANTOM, SIM_FIDUCIALS_PATIENT, SIM_TRACKER_TO_PATIENT, phantomBackSkinY } from '../../common/phantom';
import { invertRigid, patientToVoxel, sampleNearest, transformPoint, type Vec3 } from '../../common/geometry';
import { registerPoints } from '../../common/registration';
import { SIM_DEEPEST_Y, SIM_ENTRY_PATIENT, simTipPatient, trackerPath } from '../../native-bridge/common/sim/tracker-path';

// How long the generation takes is a benchmark figure (npm run bench:phantom), not a test assertion.
const vol = demoPhantom();
const at = (p: readonly number[]) => sampleNearest(vol, patientToVoxel(vol, p));

test('the demo phantom is a CT torso in LPS: air outside, tissue inside, spine behind the centre', () => {
  assert.deepEqual(vol.dimensions, PHANTOM.dimensions);
  assert.equal(vol.data.length, 256 * 256 * 120);
  assert.equal(vol.unit, 'HU');
  assert.ok(at([0, -150, 0]) < -900, 'air in front of the body');
  assert.ok(at([170, 0, 0]) < -900, 'air beside it');
  assert.ok(Math.abs(at([0, 20, -30]) - 220) < 30, 'cancellous bone in a vertebral body');
  assert.ok(at([0, 30 + 15, -30]) > 800, 'cortical shell at the back of the vertebral body');
  assert.ok(Math.abs(at([0, 58, -30]) - 15) < 30, 'CSF in the spinal canal');
  assert.ok(at([0, 80, -30]) > 600, 'spinous process behind the canal');
  assert.ok(at([80, -15, 50]) < -700, 'left lung in the chest');
  assert.ok(Math.abs(at([-60, -20, -40]) - 60) < 30, 'liver on the patient right (−x)');
  assert.ok(Math.abs(at([60, -20, -40]) - 35) < 30, 'no liver on the left');
  assert.ok(at([18, -6, 0]) > 200, 'contrast-enhanced aorta left of the midline');
  assert.ok(vol.valueRange[0] <= -1000 && vol.valueRange[1] >= 1500);
});

test('the simulated pointer path fits the phantom: beads where it rests, entry outside the skin, deepest point on bone', () => {
  for (const f of SIM_FIDUCIALS_PATIENT) {
    assert.ok(at(f) >= 1400, `bead at ${f}: ${at(f)} HU`);
    assert.ok(f[1] > phantomBackSkinY(f[0]), 'bead centre outside the skin');
  }
  assert.ok(at(SIM_ENTRY_PATIENT) < -900, 'insertion starts in air');
  assert.ok(SIM_ENTRY_PATIENT[1] > phantomBackSkinY(0) && SIM_DEEPEST_Y < PHANTOM.spinousTipY);
  // Along the path, the tip rests on each bead for 3.5 s.
  const rests = new Set<number>();
  let deepest = Infinity;
  for (let t = 0; t < 60; t += 0.05) {
    const { tip, onFiducial } = simTipPatient(t);
    if (onFiducial !== null) {
      rests.add(onFiducial);
      assert.deepEqual(tip, [...SIM_FIDUCIALS_PATIENT[onFiducial]]);
    }
    if (t >= 25) deepest = Math.min(deepest, tip[1]); // the insertion phase
  }
  assert.equal(rests.size, SIM_FIDUCIALS_PATIENT.length);
  assert.ok(Math.abs(deepest - SIM_DEEPEST_Y) < 0.5, `deepest ${deepest}`);
  // The deepest point touches bone (lamina or spinous process).
  let bone = false;
  for (let t = 25; t < 60; t += 0.05) if (simTipPatient(t).tip[1] < SIM_DEEPEST_Y + 1 && at(simTipPatient(t).tip) > 600) bone = true;
  assert.ok(bone, 'the insertion reaches the posterior elements');
  // trackerPath's instrument pose maps back to the same tip through SIM_TRACKER_TO_PATIENT.
  for (const t of [3, 12.5, 40]) {
    const m = trackerPath(t).instrument;
    const tip = transformPoint(SIM_TRACKER_TO_PATIENT, [m[12], m[13], m[14]]);
    const want = simTipPatient(t).tip;
    for (let a = 0; a < 3; a++) assert.ok(Math.abs(tip[a] - want[a]) < 0.01, `${tip} vs ${want}`); // float32 poses
  }
});

test('registering the simulated touches of the beads recovers SIM_TRACKER_TO_PATIENT', () => {
  const r = registerPoints(demoFiducialPairs(0.3));
  assert.ok(r.freMm > 0.05 && r.freMm < 0.8, `FRE ${r.freMm}`);
  const target: Vec3 = [0, 60, 0];
  const tracker = transformPoint(invertRigid(SIM_TRACKER_TO_PATIENT), target);
  const viaTruth = transformPoint(SIM_TRACKER_TO_PATIENT, tracker);
  assert.ok(Math.hypot(...viaTruth.map((v, i) => v - target[i])) < 1e-3, 'sanity: inverse of SIM_TRACKER_TO_PATIENT');
  const got = transformPoint(r.matrix, tracker);
  assert.ok(Math.hypot(...got.map((v, i) => v - target[i])) < 1, 'target within 1 mm');
  const exact = registerPoints(demoFiducialPairs(0));
  for (let i = 0; i < 16; i++) assert.ok(Math.abs(exact.matrix[i] - SIM_TRACKER_TO_PATIENT[i]) < 1e-4);
});

test('building the phantom in steps gives the same volume', async () => {
  const steps: number[] = [];
  // Other work gets the event loop between steps: count the turns it gets while the phantom is built.
  let turns = 0;
  let building = true;
  const other = () => {
    turns++;
    if (building) setImmediate(other);
  };
  setImmediate(other);
  const v = await demoPhantomAsync((d) => steps.push(d));
  building = false;
  assert.deepEqual(v.data, vol.data);
  assert.equal(steps.at(-1), 120);
  assert.ok(steps.length > 10);
  // However fast the machine, the hub's other work waits for at most 4 slices at a time (≈ 4 ms a slice).
  assert.ok(
    steps.every((d, i) => d - (i === 0 ? 0 : steps[i - 1]) <= 4),
    `steps ${steps}`,
  );
  assert.ok(turns >= 120 / 4 - 1, `other work ran ${turns} times during the build`);
});
