// The check-order script of tests/integration/test_k6_parity.py.
import { check, group } from 'k6';
export const options = { iterations: 1 };
export default function () {
  check(1, { 'zeta root': () => true });
  group('g', () => { check(1, { 'alpha in group': () => true }); });
  check(1, { 'beta root': () => true });
  group('g', () => { check(1, { 'gamma in group': () => true }); });
}
