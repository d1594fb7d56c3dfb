/** Why a PIN is too easy to guess, or undefined if it is acceptable. */
export function weakPinReason(pin: string): string | undefined {
  if (!/^\d{6}$/.test(pin)) return 'the PIN must be six digits';
  const digits = [...pin].map(Number);
  if (digits.every((d) => d === digits[0])) return 'the PIN must not repeat one digit';
  const steps = digits.slice(1).map((d, i) => (d - digits[i]! + 10) % 10);
  if (steps.every((s) => s === 1) || steps.every((s) => s === 9)) {
    return 'the PIN must not be a straight run like 123456';
  }
  if (pin.slice(0, 3) === pin.slice(3) || pin.slice(0, 2).repeat(3) === pin) {
    return 'the PIN must not repeat a short pattern like 123123';
  }
  return undefined;
}
